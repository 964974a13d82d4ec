import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  ConflictException,
  NotFoundException,
} from '@nestjs/common';
import { catchError, Observable, throwError } from 'rxjs';
import { InvalidArgumentError } from '../errors/invalid-argument.error';
import { WorkflowNotFoundError } from '../errors/workflow-not-found.error';
import { WorkflowNotEndedError } from '../errors/workflow-not-ended.error';

/** Answers the client's errors with HTTP statuses: a bad filter is 400, an unknown id 404,
 * deleting a workflow that has not ended 409. */
@Injectable()
export class DashboardErrorsInterceptor implements NestInterceptor {
  intercept(
    _context: ExecutionContext,
    next: CallHandler,
  ): Observable<unknown> {
    return next
      .handle()
      .pipe(catchError((error: unknown) => throwError(() => toHttp(error))));
  }
}

function toHttp(error: unknown): unknown {
  if (error instanceof WorkflowNotFoundError)
    return new NotFoundException(error.message);
  if (error instanceof WorkflowNotEndedError)
    return new ConflictException(error.message);
  if (error instanceof InvalidArgumentError)
    return new BadRequestException(error.message);
  return error;
}
