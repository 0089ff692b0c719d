import type { Token } from '@smart-token/contracts';
import { ForbiddenError } from '../../errors.js';

/**
 * Where the person asking may act: the ids of their departments, or undefined for every department
 * (admins; receptionists unless the clinic confines them; the system). The Principal carries it.
 */
export interface Scope {
  departmentIds?: readonly string[];
}

export const inScope = (scope: Scope, departmentId: string): boolean => scope.departmentIds === undefined || scope.departmentIds.includes(departmentId);

/** The one refusal for work outside one's departments: it names the department and who can change it. */
export function notYourDepartment(departmentName: string, doing: string): ForbiddenError {
  return new ForbiddenError(`You do not work in ${departmentName}, so you cannot ${doing}; an admin can add ${departmentName} to your departments.`);
}

/**
 * Who reads a token: patients' names and phones are for the staff of the token's department, and
 * for reception and admins wherever it is.
 */
export interface Viewer extends Scope {
  seesEveryPatient: boolean;
}

/** The token as this viewer may see it: without the patient's name and phone outside their departments. */
export function forViewer<T extends Token>(token: T, viewer: Viewer): T {
  if (viewer.seesEveryPatient || inScope(viewer, token.departmentId)) return token;
  return { ...token, patient: { name: '', phoneLast4: '', hidden: true } };
}
