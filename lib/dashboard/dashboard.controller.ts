import {
  Body,
  Get,
  Headers,
  HttpCode,
  Inject,
  Logger,
  OnModuleInit,
  Param,
  Post,
  Query,
  Req,
  UseInterceptors,
} from '@nestjs/common';
import type {
  WorkflowCounts,
  WorkflowInfo,
  WorkflowPage,
  WorkflowStatus,
} from '../engine/types';
import { LidexClient } from '../lidex.client';
import { LIDEX_LOGGER_CONTEXT } from '../lidex.constants';
import { messages } from '../lidex.messages';
import type { ScheduleInfo } from '../engine/schedules/schedule-options';
import { DASHBOARD_SCHEDULES_SCRIPT } from './assets/dashboard-schedules.script';
import { DASHBOARD_SLOTS_SCRIPT } from './assets/dashboard-slots.script';
import { DASHBOARD_SCRIPT } from './assets/dashboard.script';
import { DASHBOARD_CHARTS_SCRIPT } from './assets/dashboard-charts.script';
import type { Activity } from '../engine/engine-activity';
import type { FlowSlots } from '../engine/flow-slots';
import { DASHBOARD_STYLE } from './assets/dashboard.style';
import { renderDashboardPage } from './assets/dashboard.page';
import {
  DASHBOARD_REQUEST_HEADER,
  LIDEX_DASHBOARD_OPTIONS,
} from './dashboard.constants';
import type { ResolvedDashboardOptions } from './dashboard.definition';
import { DashboardErrorsInterceptor } from './dashboard-errors.interceptor';
import { DashboardHeaders } from './dashboard-headers.decorator';
import {
  assetPrefix,
  queryText,
  requireId,
  requireMarker,
  type RequestLine,
} from './dashboard-request';
import { DashboardWorkflowActions } from './dashboard-workflow-actions';

/**
 * The dashboard: its page, the page's script and style, and the JSON API behind them. Not a
 * controller by itself: `createDashboardController` mounts a subclass at the configured path,
 * behind the configured guard.
 */
@UseInterceptors(DashboardErrorsInterceptor)
export class DashboardController implements OnModuleInit {
  private readonly logger = new Logger(LIDEX_LOGGER_CONTEXT);
  private readonly workflows: DashboardWorkflowActions;

  constructor(
    @Inject(LidexClient) private readonly lidex: LidexClient,
    @Inject(LIDEX_DASHBOARD_OPTIONS)
    private readonly options: ResolvedDashboardOptions,
  ) {
    this.workflows = new DashboardWorkflowActions(lidex);
  }

  onModuleInit(): void {
    if (!this.options.guard && process.env.NODE_ENV === 'production')
      this.logger.warn(messages.dashboardUnguarded(this.options.path));
  }

  @Get()
  @DashboardHeaders('text/html; charset=utf-8')
  page(@Req() request: RequestLine): string {
    return renderDashboardPage(assetPrefix(request));
  }

  @Get('app.js')
  @DashboardHeaders('text/javascript; charset=utf-8')
  script(): string {
    return DASHBOARD_SCRIPT;
  }

  @Get('schedules.js')
  @DashboardHeaders('text/javascript; charset=utf-8')
  schedulesScript(): string {
    return DASHBOARD_SCHEDULES_SCRIPT;
  }

  @Get('slots.js')
  @DashboardHeaders('text/javascript; charset=utf-8')
  slotsScript(): string {
    return DASHBOARD_SLOTS_SCRIPT;
  }

  @Get('charts.js')
  @DashboardHeaders('text/javascript; charset=utf-8')
  chartsScript(): string {
    return DASHBOARD_CHARTS_SCRIPT;
  }

  /** The last hour per minute, from the store, for the charts. */
  @Get('api/activity')
  @DashboardHeaders()
  activity(): Promise<Activity> {
    return this.lidex.activity(60);
  }

  /** The limited workflows' slots in use (leases held), overall and per key. */
  @Get('api/slots')
  @DashboardHeaders()
  slots(): Promise<{ supported: boolean; workflows: FlowSlots[] }> {
    return this.lidex.flowSlots();
  }

  @Get('app.css')
  @DashboardHeaders('text/css; charset=utf-8')
  style(): string {
    return DASHBOARD_STYLE;
  }

  /** The names of the workflows this app knows, for the page's filter. */
  @Get('api/names')
  @DashboardHeaders()
  names(): { names: string[] } {
    return { names: [...this.lidex.workflowNames].sort() };
  }

  @Get('api/counts')
  @DashboardHeaders()
  counts(@Query('name') name: unknown): Promise<WorkflowCounts> {
    return this.lidex.counts({ name: queryText(name, 'name') });
  }

  @Get('api/workflows')
  @DashboardHeaders()
  list(
    @Query('status') status: unknown,
    @Query('name') name: unknown,
    @Query('limit') limit: unknown,
    @Query('cursor') cursor: unknown,
    @Query('version') version: unknown,
    @Query('waiting') waiting: unknown,
    @Query('priority') priority: unknown,
    @Query('concurrencyKey') concurrencyKey: unknown,
  ): Promise<WorkflowPage> {
    const limitText = queryText(limit, 'limit');
    const versionText = queryText(version, 'version');
    const priorityText = queryText(priority, 'priority');
    return this.lidex.list({
      status: queryText(status, 'status') as WorkflowStatus | undefined,
      name: queryText(name, 'name'),
      version: versionText === undefined ? undefined : Number(versionText),
      limit: limitText === undefined ? undefined : Number(limitText),
      cursor: queryText(cursor, 'cursor'),
      waiting: queryText(waiting, 'waiting') as 'signal' | 'child' | undefined,
      // Not an integer: passed as given, so that list() names it in its error.
      priority: (priorityText === undefined || !/^-?\d+$/.test(priorityText)
        ? priorityText
        : Number(priorityText)) as number | undefined,
      concurrencyKey: queryText(concurrencyKey, 'concurrencyKey'),
    });
  }

  /** The schedules, by id, with their next fire time. */
  @Get('api/schedules')
  @DashboardHeaders()
  async schedules(): Promise<{ schedules: ScheduleInfo[] }> {
    return { schedules: await this.lidex.schedules.list() };
  }

  @Get('api/workflows/:id')
  @DashboardHeaders()
  detail(@Param('id') id: string): Promise<WorkflowInfo> {
    return this.workflows.inspect(id);
  }

  @Post('api/workflows/:id/cancel')
  @HttpCode(200)
  @DashboardHeaders()
  cancel(
    @Param('id') id: string,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
  ): Promise<{ cancelled: boolean }> {
    requireMarker(marker);
    return this.workflows.cancel(id);
  }

  @Post('api/workflows/:id/retry')
  @HttpCode(200)
  @DashboardHeaders()
  retry(
    @Param('id') id: string,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
  ): Promise<{ retried: boolean }> {
    requireMarker(marker);
    return this.workflows.retry(id);
  }

  @Post('api/workflows/:id/terminate')
  @HttpCode(200)
  @DashboardHeaders()
  terminate(
    @Param('id') id: string,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
  ): Promise<{ terminated: boolean }> {
    requireMarker(marker);
    return this.workflows.terminate(id);
  }

  /** Deletes an ended workflow; 409 for one that has not ended. */
  @Post('api/workflows/:id/delete')
  @HttpCode(200)
  @DashboardHeaders()
  delete(
    @Param('id') id: string,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
  ): Promise<{ deleted: boolean }> {
    requireMarker(marker);
    return this.workflows.delete(id);
  }

  /** Sends a signal (`{ name, payload }`, payload as JSON text) to a workflow. */
  @Post('api/workflows/:id/signal')
  @HttpCode(200)
  @DashboardHeaders()
  signal(
    @Param('id') id: string,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
    @Body() body: unknown,
  ): Promise<{ delivered: boolean }> {
    requireMarker(marker);
    return this.workflows.signal(id, body);
  }

  // The same four with the id in the query, which the page uses: URL normalisation removes
  // an id of "." or ".." from a path, but not from a query parameter.

  @Get('api/workflow')
  @DashboardHeaders()
  detailById(@Query('id') id: unknown): Promise<WorkflowInfo> {
    return this.workflows.inspect(requireId(id));
  }

  @Post('api/workflow/cancel')
  @HttpCode(200)
  @DashboardHeaders()
  cancelById(
    @Query('id') id: unknown,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
  ): Promise<{ cancelled: boolean }> {
    requireMarker(marker);
    return this.workflows.cancel(requireId(id));
  }

  @Post('api/workflow/retry')
  @HttpCode(200)
  @DashboardHeaders()
  retryById(
    @Query('id') id: unknown,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
  ): Promise<{ retried: boolean }> {
    requireMarker(marker);
    return this.workflows.retry(requireId(id));
  }

  @Post('api/workflow/terminate')
  @HttpCode(200)
  @DashboardHeaders()
  terminateById(
    @Query('id') id: unknown,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
  ): Promise<{ terminated: boolean }> {
    requireMarker(marker);
    return this.workflows.terminate(requireId(id));
  }

  @Post('api/workflow/delete')
  @HttpCode(200)
  @DashboardHeaders()
  deleteById(
    @Query('id') id: unknown,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
  ): Promise<{ deleted: boolean }> {
    requireMarker(marker);
    return this.workflows.delete(requireId(id));
  }

  @Post('api/workflow/signal')
  @HttpCode(200)
  @DashboardHeaders()
  signalById(
    @Query('id') id: unknown,
    @Headers(DASHBOARD_REQUEST_HEADER) marker: unknown,
    @Body() body: unknown,
  ): Promise<{ delivered: boolean }> {
    requireMarker(marker);
    return this.workflows.signal(requireId(id), body);
  }
}
