// Original file: worker.proto

import type { Long } from '@grpc/proto-loader';

export interface StoreStats {
  'objects'?: (number);
  'usedBytes'?: (number | string | Long);
  'spilledBytes'?: (number | string | Long);
  'spilledObjects'?: (number);
  'diskBytes'?: (number | string | Long);
  'budgetBytes'?: (number | string | Long);
  'pinnedBytes'?: (number | string | Long);
  /**
   * Freed memory kept for the next object of a similar size (reusing it skips first-touch page faults).
   */
  'reusableBytes'?: (number | string | Long);
  /**
   * Buffers of pooled sizes handed out: from reused memory, and new.
   */
  'reusedBuffers'?: (number | string | Long);
  'freshBuffers'?: (number | string | Long);
  /**
   * Buffers lent to pool threads and not given back yet (they still read them, or have not collected).
   */
  'lentBuffers'?: (number);
}

export interface StoreStats__Output {
  'objects': (number);
  'usedBytes': (number);
  'spilledBytes': (number);
  'spilledObjects': (number);
  'diskBytes': (number);
  'budgetBytes': (number);
  'pinnedBytes': (number);
  /**
   * Freed memory kept for the next object of a similar size (reusing it skips first-touch page faults).
   */
  'reusableBytes': (number);
  /**
   * Buffers of pooled sizes handed out: from reused memory, and new.
   */
  'reusedBuffers': (number);
  'freshBuffers': (number);
  /**
   * Buffers lent to pool threads and not given back yet (they still read them, or have not collected).
   */
  'lentBuffers': (number);
}
