// Original file: head.proto

export const PlacementStrategy = {
  PACK: 'PACK',
  SPREAD: 'SPREAD',
} as const;

export type PlacementStrategy =
  | 'PACK'
  | 0
  | 'SPREAD'
  | 1

export type PlacementStrategy__Output = typeof PlacementStrategy[keyof typeof PlacementStrategy]
