export interface Clock {
  now(): number;
  /** A fresh unique id (task ids, council ids). */
  newId(): string;
}
