// The Trainable for examples/tune-trainable.ts: gradient descent on (x − 3)², one step per iteration.
export class Quadratic {
  x = 0;
  lr = 0.1;
  setup(config: { learningRate: number; start: number }): void {
    this.x = config.start;
    this.lr = config.learningRate;
  }
  step(): { loss: number } {
    this.x -= this.lr * 2 * (this.x - 3);
    return { loss: (this.x - 3) ** 2 };
  }
}
