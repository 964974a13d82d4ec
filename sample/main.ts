import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { sampleConfig } from './sample.config';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  // SIGTERM / SIGINT: stop claiming, let running workflows reach a durable point, close the store.
  app.enableShutdownHooks();
  await app.listen(sampleConfig.port);
  new Logger('Sample').log(
    `Invoice service listening on ${await app.getUrl()}`,
  );
}

void bootstrap();
