/** The sample's settings, from the environment, with demo-friendly defaults. */
export const sampleConfig = {
  port: Number(process.env.PORT ?? 3000),
  /** Pause between payment attempts; a real app would wait a day. */
  paymentRetryDelayMs: Number(process.env.PAYMENT_RETRY_DELAY_MS ?? 2000),
  /** How long the fake payment provider takes to answer. */
  captureDelayMs: Number(process.env.CAPTURE_DELAY_MS ?? 500),
  /** The dashboard's password (any user name); see DashboardAuthGuard. */
  dashboardPassword: process.env.DASHBOARD_PASSWORD ?? '',
};
