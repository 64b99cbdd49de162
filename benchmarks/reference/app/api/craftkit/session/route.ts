// Transcribed verbatim from the seed (003, "app/api/craftkit/session/route.ts").
import { NextRequest, NextResponse } from 'next/server'
import { getOrgApiKey, getCraftkitBaseUrl } from '../lib/credentials'
import { assertCraftkitAuth } from '../lib/assert-auth'

type Mode = 'create' | 'edit' | 'fill' | 'view'

const BUILDER_PERMISSIONS = {
  publish: true, saveDraft: true, viewVersionHistory: true,
  changePageSettings: true, rollback: false, delete: false,
  rename: false, createCustomVariables: false,
} as const

const FILL_PERMISSIONS = {
  submitForm: true, saveFormDraft: true,
} as const

export async function POST(req: NextRequest) {
  const authResult = await assertCraftkitAuth()
  if (authResult instanceof NextResponse) return authResult

  const {
    tenantExternalId, tenantDisplayName,
    userId, userEmail, userDisplayName,
    mode, templateExternalId, templateName,
  } = (await req.json()) as {
    tenantExternalId?: string; tenantDisplayName?: string
    userId?: string; userEmail?: string; userDisplayName?: string
    mode?: Mode; templateExternalId?: string; templateName?: string
  }

  if (!tenantExternalId || !userId) {
    return NextResponse.json({ error: 'tenantExternalId and userId are required' }, { status: 400 })
  }

  let apiKey: string
  try {
    apiKey = await getOrgApiKey(tenantExternalId)
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err)
    return NextResponse.json({ error: 'craftkit_provision_failed', detail: msg }, { status: 502 })
  }

  const resolvedMode: Mode = mode ?? 'edit'
  const isFill = resolvedMode === 'fill'

  const scope: Record<string, unknown> = { mode: resolvedMode }
  if (templateExternalId) scope.templateExternalId = templateExternalId
  if (templateName) scope.initialName = templateName

  const body: Record<string, unknown> = {
    tenant: { externalId: tenantExternalId, displayName: tenantDisplayName ?? tenantExternalId },
    actor: { externalId: userId, email: userEmail, displayName: userDisplayName ?? userEmail ?? userId },
    scope,
    permissions: isFill ? FILL_PERMISSIONS : BUILDER_PERMISSIONS,
  }

  // Optional: attach a pre-published variable catalog
  const catalogName = process.env.CRAFTKIT_CATALOG_NAME
  if (catalogName) body.catalogRef = { name: catalogName }

  const res = await fetch(`${getCraftkitBaseUrl()}/v1/embed/sessions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
  })

  const text = await res.text()
  if (!res.ok) {
    return NextResponse.json(
      { error: 'craftkit_session_failed', status: res.status, body: text },
      { status: res.status },
    )
  }
  return new NextResponse(text, { status: 200, headers: { 'Content-Type': 'application/json' } })
}
