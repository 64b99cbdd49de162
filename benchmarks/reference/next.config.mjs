/** @type {import('next').NextConfig} */
const nextConfig = {
  // Benchmarking only: no telemetry prompt, no source maps, no image optimisation.
  productionBrowserSourceMaps: false,
  poweredByHeader: false,
}
export default nextConfig
