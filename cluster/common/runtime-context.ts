/** What the running task can learn about itself (its id), set by the thread or process that runs it. */
let current: string | undefined;

export function setCurrentTask(taskId: string | undefined): void {
  current = taskId;
}

export function currentTaskId(): string | undefined {
  return current;
}
