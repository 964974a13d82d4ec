import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { LidexClient, type WorkflowInfo } from '@lidex/nestjs';

@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly lidex: LidexClient) {}

  /** A workflow's status, input, steps, result and error. */
  @Get(':id')
  async find(@Param('id') id: string): Promise<WorkflowInfo> {
    const workflow = await this.lidex.get(id);
    if (!workflow)
      throw new NotFoundException(`No workflow has the id "${id}"`);
    return workflow;
  }
}
