import type { Kysely } from 'kysely';
import type { Schema } from '../../platform/db/schema.ts';
import { UserError } from '../../platform/errors.ts';
import { hashPassword, passwordProblem } from './passwords.ts';

export interface NewAdmin {
  email: string;
  name: string;
  password: string;
}

/** Creates a group-wide system administrator (the first account of a new install). */
export async function createAdmin(db: Kysely<Schema>, admin: NewAdmin): Promise<string> {
  const email = admin.email.trim().toLowerCase();
  const name = admin.name.trim();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    throw new UserError('The e-mail address is not valid.');
  if (!name) throw new UserError('A name is required.');
  const problem = passwordProblem(admin.password, [email, name]);
  if (problem) throw new UserError(problem);
  const passwordHash = await hashPassword(admin.password);
  return db.transaction().execute(async (trx) => {
    const user = await trx
      .insertInto('users')
      .values({ email, display_name: name, password_hash: passwordHash })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!user) throw new UserError(`An account for ${email} already exists.`);
    await trx
      .insertInto('user_roles')
      .values({ user_id: user.id, role: 'system_admin', clinic_id: null })
      .execute();
    return user.id;
  });
}
