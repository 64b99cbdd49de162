// The seed lists this route (renders/[id]/download/route.ts, "proxy PDF download") without
// its code; written in the same style, streaming the upstream body through unchanged.
import { NextRequest, NextResponse } from 'next/server'
import { getOrgApiKey, getCraftkitBaseUrl } from '../../../lib/credentials'
import { assertCraftkitAuth } from '../../../lib/assert-auth'

export const dynamic = 'force-dynamic'

export async function GET(req: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const authResult = await assertCraftkitAuth()
  if (authResult instanceof NextResponse) return authResult

  const { id } = await params
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

  const res = await fetch(
    `${getCraftkitBaseUrl()}/v1/embed/renders/${encodeURIComponent(id)}/download`,
    { headers: { Authorization: `Bearer ${apiKey}` }, cache: 'no-store' },
  )

  if (!res.ok || !res.body) {
    const text = await res.text().catch(() => '')
    return NextResponse.json(
      { error: 'craftkit_download_failed', status: res.status, body: text },
      { status: res.ok ? 502 : res.status },
    )
  }
  const headers = new Headers({
    'Content-Type': res.headers.get('Content-Type') ?? 'application/pdf',
  })
  const length = res.headers.get('Content-Length')
  if (length) headers.set('Content-Length', length)
  const disposition = res.headers.get('Content-Disposition')
  if (disposition) headers.set('Content-Disposition', disposition)
  return new NextResponse(res.body, { status: 200, headers })
}
