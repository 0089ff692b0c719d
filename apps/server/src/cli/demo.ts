import type { Role } from '@smart-token/contracts';
import { AppError } from '../errors.js';
import { newSecret } from '../lib/ids.js';
import type { DepartmentsService } from '../modules/departments/departments.service.js';
import type { UsersService } from '../modules/users/users.service.js';

const DEMO_DEPARTMENTS = [
  { code: 'GEN', name: 'General OPD', selfCheckIn: 'kiosk' as const, counters: ['Room 1', 'Room 2', 'Room 3'] },
  { code: 'LAB', name: 'Laboratory', selfCheckIn: 'off' as const, counters: ['Sample Desk 1', 'Sample Desk 2'] },
  { code: 'PHA', name: 'Pharmacy', selfCheckIn: 'off' as const, counters: ['Window 1'] },
  { code: 'BIL', name: 'Billing', selfCheckIn: 'kiosk' as const, counters: ['Cash 1'] },
] as const;

const DEMO_USERS: { role: Role; name: string }[] = [
  { role: 'admin', name: 'Demo Admin' },
  { role: 'receptionist', name: 'Asha (Reception)' },
  { role: 'doctor', name: 'Dr. Mehta' },
  { role: 'display', name: 'Waiting Hall TV' },
  { role: 'kiosk', name: 'Entrance Kiosk' },
];

/** A demo hospital to try the product with; safe to run twice (existing items are left alone). */
export async function seedDemo(deps: { departments: DepartmentsService; users: UsersService }): Promise<string[]> {
  const lines: string[] = [];
  const existing = new Map((await deps.departments.listDepartments()).map((d) => [d.code, d]));
  for (const spec of DEMO_DEPARTMENTS) {
    let dept = existing.get(spec.code);
    if (dept) {
      lines.push(`Department ${spec.code} exists already; left as it is.`);
      continue;
    }
    dept = await deps.departments.createDepartment({ code: spec.code, name: spec.name, selfCheckIn: spec.selfCheckIn });
    for (const name of spec.counters) await deps.departments.createCounter({ departmentId: dept.id, name });
    lines.push(`Department ${spec.code} (${spec.name}) with ${spec.counters.join(', ')}`);
  }
  lines.push('', 'Logins (shown once):');
  for (const u of DEMO_USERS) {
    const email = `${u.role}@demo.local`;
    const password = newSecret(12);
    try {
      await deps.users.createUser({ email, name: u.name, role: u.role, password });
      lines.push(`  ${u.role.padEnd(13)} ${email.padEnd(24)} ${password}`);
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'CONFLICT')) throw error;
      lines.push(`  ${u.role.padEnd(13)} ${email.padEnd(24)} (exists; npm run cli -- reset-password --email ${email})`);
    }
  }
  return lines;
}
