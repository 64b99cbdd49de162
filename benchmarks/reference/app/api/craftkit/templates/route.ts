// The seed lists this route (templates/route.ts) without its code; written in the same
// style as its session/route.ts: org from the request, key from getOrgApiKey, text through.
import { NextRequest, NextResponse } from 'next/server'
import { getOrgApiKey, getCraftkitBaseUrl } from '../lib/credentials'
import { assertCraftkitAuth } from '../lib/assert-auth'

export const dynamic = 'force-dynamic'

export async function GET(req: NextRequest) {
  const authResult = await assertCraftkitAuth()
  if (authResult instanceof NextResponse) return authResult

  const tenantExternalId = req.nextUrl.searchParams.get('tenantExternalId')
  if (!tenantExternalId) {
    return NextResponse.json({ error: 'tenantExternalId is required' }, { status: 400 })
  }

  let apiKey: string
  try {
    apiKey = await getOrgApiKey(tenantExternalId)
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    return NextResponse.json({ error: 'craftkit_provision_failed', detail: msg }, { status: 502 })
  }

  const res = await fetch(`${getCraftkitBaseUrl()}/v1/embed/builder/templates`, {
    headers: { Authorization: `Bearer ${apiKey}` },
    cache: 'no-store',
  })

  const text = await res.text()
  if (!res.ok) {
    return NextResponse.json(
      { error: 'craftkit_templates_failed', status: res.status, body: text },
      { status: res.status },
    )
  }
  return new NextResponse(text, { status: 200, headers: { 'Content-Type': 'application/json' } })
}
