// Sign-in: after your own authentication, hand the browser a short-lived JWT in an HttpOnly
// cookie. The BFF verifies it (CRAFTKIT_AUTH_JWT_SECRET) and reads it from the cookie named
// in CRAFTKIT_AUTH_JWT_COOKIE; the browser's scripts never see it.
import { SignJWT } from "jose";
import { NextResponse, type NextRequest } from "next/server";

const secret = new TextEncoder().encode(process.env.CRAFTKIT_AUTH_JWT_SECRET);

export async function POST(request: NextRequest) {
  const user = { id: "ada", email: "ada@acme.example", name: "Ada Lovelace" }; // your user
  const token = await new SignJWT({
    email: user.email,
    name: user.name,
    orgs: [{ id: "acme", name: "Acme Corp" }], // the orgs this user belongs to
  })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(user.id)
    .setExpirationTime("1h")
    .sign(secret);
  // A relative Location: the browser stays on the origin it came from.
  const response = new NextResponse(null, { status: 303, headers: { Location: "/documents" } });
  response.cookies.set("craftkit_identity", token, {
    httpOnly: true,
    sameSite: "lax",
    secure: request.nextUrl.protocol === "https:",
    path: "/",
    maxAge: 3600,
  });
  return response;
}
