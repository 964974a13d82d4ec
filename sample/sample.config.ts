const DAY_MS = 24 * 60 * 60 * 1000;

/** The sample's settings, from the environment. */
export const sampleConfig = {
  port: Number(process.env.PORT ?? 3000),
  /**
   * Pause between payment attempts: a day, as a real app would wait (tests skip it on the
   * manual clock). `npm start` sets PAYMENT_RETRY_DELAY_MS to 2 s for the demo.
   */
  paymentRetryDelayMs: Number(process.env.PAYMENT_RETRY_DELAY_MS ?? DAY_MS),
  /**
   * How long a captured payment waits for the provider's confirmation webhook
   * (`POST /webhooks/payments/:invoiceId`) before the attempt counts as failed. `npm start`: 10 s.
   */
  paymentConfirmationTimeoutMs: Number(
    process.env.PAYMENT_CONFIRMATION_TIMEOUT_MS ?? DAY_MS,
  ),
  /** How long the fake payment provider takes to answer. */
  captureDelayMs: Number(process.env.CAPTURE_DELAY_MS ?? 500),
  /** The dashboard's password (any user name); see DashboardAuthGuard. */
  dashboardPassword: process.env.DASHBOARD_PASSWORD ?? '',
};
