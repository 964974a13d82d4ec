import { Module } from '@nestjs/common';
import { LidexModule, SqliteStore } from '@lidex/nestjs';
import { AccountsModule } from './accounts/accounts.module';
import { InvoicesModule } from './invoices/invoices.module';
import { sampleConfig } from './sample.config';
import { WorkflowsController } from './workflows/workflows.controller';

@Module({
  imports: [
    LidexModule.forRoot({
      persistence: new SqliteStore({ path: sampleConfig.sqlitePath }),
      // A short lease, so that a sample killed mid-step resumes within seconds of a restart.
      timeoutIntervalMs: 5_000,
      retryIntervalMs: 2_000,
    }),
    AccountsModule,
    InvoicesModule,
  ],
  controllers: [WorkflowsController],
})
export class AppModule {}
