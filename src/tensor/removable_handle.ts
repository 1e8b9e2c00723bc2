/**
 * What hook registrations return (Tensor.registerHook, Module.registerForwardHook, ...): a
 * handle removing the hook, usable as PyTorch's RemovableHandle (`h.remove()`) or called
 * directly (`h()`). Removing twice is harmless.
 */
export interface RemovableHandle {
  (): void;
  remove(): void;
}

/** Adds `item` to `list` and returns the handle that takes it out again. */
export function removableHandle<T>(list: T[], item: T): RemovableHandle {
  list.push(item);
  const remove = (): void => {
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
  };
  return Object.assign(remove, { remove });
}
