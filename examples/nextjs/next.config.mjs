// The browser talks to the BFF on this app's own origin: /api/craftkit/* is passed to it.
/** @type {import('next').NextConfig} */
const nextConfig = {
  async rewrites() {
    const bff = process.env.CRAFTKIT_BFF_URL ?? "http://127.0.0.1:8000";
    return [{ source: "/api/craftkit/:path*", destination: `${bff}/api/craftkit/:path*` }];
  },
};

export default nextConfig;
