import { LANGUAGES, NOTIFICATION_TRIGGERS, type Language, type NotificationTrigger, type SaveTemplate, type Template } from '@smart-token/contracts';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { ValidationError } from '../../errors.js';
import * as repo from './notifications.repository.js';
import { DEFAULT_TEMPLATES, templateProblems } from './texts/templates.js';

const CLINIC_WIDE = '';
const SAVED_CACHE_MS = 3_000;

/** A language the clinic offers, or English for a patient who chose none. */
export const languageOf = (value: string | null | undefined): Language => ((LANGUAGES as readonly string[]).includes(value ?? '') ? (value as Language) : 'en');

/** Refuses a template that would not render as written, naming what is wrong. */
export function assertTemplate(body: string): void {
  const problems = templateProblems(body);
  if (problems.length > 0) throw new ValidationError(`The message text cannot be used: ${problems.map((p) => p.message).join('; ')}.`, problems);
}

/** The texts messages are made from: the department's own, else the clinic's, else the built-in one. */
export function createTemplateStore(deps: { db: Kysely<DB>; now: () => number }) {
  // Every message reads its template: the saved ones are kept a few seconds (a save here clears them),
  // and so is each department's table made from them (a message read it whole, 14 texts, to use one).
  let savedCache: { at: number; rows: Awaited<ReturnType<typeof repo.allTemplates>>; byDepartment: Map<string | null, Template[]> } | undefined;
  async function saved() {
    if (!savedCache || deps.now() - savedCache.at >= SAVED_CACHE_MS) savedCache = { at: deps.now(), rows: await repo.allTemplates(deps.db), byDepartment: new Map() };
    return savedCache;
  }

  async function all(departmentId: string | null): Promise<Template[]> {
    const cache = await saved();
    const known = cache.byDepartment.get(departmentId);
    if (known) return known;
    const rows = cache.rows.filter((t) => t.department_id === CLINIC_WIDE || t.department_id === departmentId);
    const find = (dept: string, language: string, trigger: string) => rows.find((t) => t.department_id === dept && t.language === language && t.trigger === trigger);
    const templates = LANGUAGES.flatMap((language) =>
      NOTIFICATION_TRIGGERS.map((trigger) => {
        const own = (departmentId ? find(departmentId, language, trigger) : undefined) ?? find(CLINIC_WIDE, language, trigger);
        return { departmentId, language, trigger, body: own?.template_text ?? DEFAULT_TEMPLATES[language][trigger], isDefault: own === undefined };
      }),
    );
    cache.byDepartment.set(departmentId, templates);
    return templates;
  }

  return {
    /** A copy: the caller may change it. */
    all: async (departmentId: string | null): Promise<Template[]> => (await all(departmentId)).map((t) => ({ ...t })),
    async effective(departmentId: string | null, language: Language, trigger: NotificationTrigger): Promise<string> {
      return (await all(departmentId)).find((t) => t.language === language && t.trigger === trigger)!.body;
    },
    async save(input: SaveTemplate, trx: Kysely<DB> = deps.db): Promise<Template> {
      assertTemplate(input.body);
      await repo.saveTemplate(trx, { department_id: input.departmentId ?? CLINIC_WIDE, language: input.language, trigger: input.trigger, template_text: input.body, updated_at: deps.now() });
      savedCache = undefined;
      return { ...input, isDefault: false };
    },
    async revert(departmentId: string | null, language: Language, trigger: NotificationTrigger, trx: Kysely<DB> = deps.db): Promise<boolean> {
      savedCache = undefined;
      return repo.deleteTemplate(trx, { department_id: departmentId ?? CLINIC_WIDE, language, trigger });
    },
  };
}

export type TemplateStore = ReturnType<typeof createTemplateStore>;
