import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { LidexModule } from '@lidex/nestjs';
import { AccountsModule } from './accounts/accounts.module';
import { DashboardAuthGuard } from './dashboard-auth.guard';
import { InvoicesModule } from './invoices/invoices.module';
import { lidexOptions } from './lidex.config';
import { WorkflowsController } from './workflows/workflows.controller';

@Module({
  imports: [
    ConfigModule.forRoot(),
    LidexModule.forRootAsync({
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: lidexOptions,
      // The dashboard at /lidex, behind a password when DASHBOARD_PASSWORD is set.
      dashboard: { path: 'lidex', guard: DashboardAuthGuard },
    }),
    AccountsModule,
    InvoicesModule,
  ],
  controllers: [WorkflowsController],
})
export class AppModule {}
