// Transcribed verbatim from the seed (003, "app/api/craftkit/lib/credentials.ts").
interface CachedKey {
  apiKey: string
  expiresAt: number
}

const KEY_TTL_MS = 10 * 60 * 1000 // 10-minute cache
const cache = new Map<string, CachedKey>()

export function getCraftkitBaseUrl(): string {
  return (process.env.CRAFTKIT_BASE_URL ?? 'https://www.craftkit.dev').replace(/\/$/, '')
}

/**
 * Resolves the Craftkit API key for an org by calling the admin provision
 * endpoint. Result is cached for 10 minutes. The provision endpoint is
 * idempotent — repeated calls return the same key.
 */
export async function getOrgApiKey(orgId: string): Promise<string> {
  const now = Date.now()
  const cached = cache.get(orgId)
  if (cached && cached.expiresAt > now) return cached.apiKey

  const adminKey = process.env.CRAFTKIT_ADMIN_KEY
  if (!adminKey) throw new Error('CRAFTKIT_ADMIN_KEY is not configured')

  const base = getCraftkitBaseUrl()
  const res = await fetch(`${base}/v1/admin/provision`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Authorization: `Bearer ${adminKey}`,
    },
    body: JSON.stringify({ externalOrgId: orgId }),
    cache: 'no-store',
  })

  if (!res.ok) {
    const body = await res.text().catch(() => '')
    throw new Error(`Craftkit provision failed: ${res.status}${body ? ` — ${body}` : ''}`)
  }

  const data = (await res.json()) as { apiKey: string }
  const apiKey = data.apiKey
  if (!apiKey) throw new Error('Craftkit provision response missing apiKey')

  cache.set(orgId, { apiKey, expiresAt: now + KEY_TTL_MS })
  return apiKey
}
