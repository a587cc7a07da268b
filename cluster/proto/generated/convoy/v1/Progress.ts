// Original file: head.proto


export interface Progress {
  'id'?: (string);
  'label'?: (string);
  'done'?: (number | string);
  'total'?: (number | string);
  /**
   * units per second
   */
  'rate'?: (number | string);
  /**
   * negative: unknown
   */
  'etaS'?: (number | string);
  /**
   * small flat object, e.g. {"apiRequests": 120, "costUsd": 0.6}
   */
  'extraJson'?: (string);
}

export interface Progress__Output {
  'id': (string);
  'label': (string);
  'done': (number);
  'total': (number);
  /**
   * units per second
   */
  'rate': (number);
  /**
   * negative: unknown
   */
  'etaS': (number);
  /**
   * small flat object, e.g. {"apiRequests": 120, "costUsd": 0.6}
   */
  'extraJson': (string);
}
