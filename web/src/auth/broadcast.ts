// Tabs of the same browser share one session: a keep-alive in one tab keeps
// the others from warning, and signing out in one signs out all of them.

export type TabMessage = { type: 'touched'; at: number } | { type: 'signedOut' };

const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('portal');

export function broadcast(message: TabMessage): void {
  channel?.postMessage(message);
}

export function onTabMessage(listener: (message: TabMessage) => void): () => void {
  if (!channel) return () => {};
  const handler = (event: MessageEvent<TabMessage>) => listener(event.data);
  channel.addEventListener('message', handler);
  return () => channel.removeEventListener('message', handler);
}
