// A WebSocket that comes back after the server restarts or the network blips, with exponential backoff.
const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 15_000;

export interface EventSocketHandlers {
  message(data: unknown): void;
  /** Called after a reconnect: events sent while the socket was down are lost. */
  reconnected(): void;
}

export function openEventSocket(url: string, handlers: EventSocketHandlers): { close(): void } {
  let socket: WebSocket | null = null;
  let delay = FIRST_DELAY_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let everOpened = false;
  let closed = false;

  const connect = () => {
    socket = new WebSocket(url);
    socket.onopen = () => {
      delay = FIRST_DELAY_MS;
      if (everOpened) handlers.reconnected();
      everOpened = true;
    };
    socket.onmessage = (message) => {
      try {
        handlers.message(JSON.parse(String(message.data)));
      } catch (error) {
        console.warn('selfguide: event is not JSON', error);
      }
    };
    socket.onclose = () => {
      if (closed) return;
      timer = setTimeout(connect, delay);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    };
  };
  connect();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close();
    },
  };
}
