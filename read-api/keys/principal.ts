// Who is calling: the API key a request authenticated with, without its secret.

export type ApiKeyRole = 'admin' | 'read';

export interface ApiKeyPrincipal {
  /** The key's id (the `<id>` of `wa_<id>_<secret>`), or `ADMIN_API_KEY` for the bootstrap key. */
  keyId: string;
  name: string;
  role: ApiKeyRole;
  /** The properties a read key may query; empty for admin keys, which may query every property. */
  propertyIds: readonly string[];
}

/** The id the bootstrap key from the ADMIN_API_KEY setting authenticates as. */
export const BOOTSTRAP_KEY_ID = 'ADMIN_API_KEY';

/** Admin keys read every property; a read key only the ones it lists. */
export const canReadProperty = (key: ApiKeyPrincipal, propertyId: string): boolean =>
  key.role === 'admin' || key.propertyIds.includes(propertyId);
