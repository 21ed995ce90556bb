// The host side of Front's plugin protocol (see shared reference host-bridge.md).
// No DOM and no imports: the panel's browser tests load this file as it is.

export const HANDSHAKE = '@frontapp/ui-sdk#WebViewBridge.handshake';

/** How many past contexts still answer function calls (a call may race a context change). */
const KEPT_CONTEXTS = 20;

export class HostBridge {
  /**
   * @param {object} options
   * @param {Record<string, (args: any[], context: object) => any>} options.functions
   *   implementations by name; a context only offers those in its `functionArities`.
   * @param {(direction: string, message: any) => void} [options.log]
   */
  constructor({ functions, log }) {
    this.functions = functions;
    this.log = log || (() => {});
    this.port = null;
    this.context = null;
    this.contexts = new Map();
    this.nextContextId = 1;
    this.cancelled = new Set();
  }

  /**
   * Accepts handshakes on `win` only from `frame()` (the plugin iframe's window) and only
   * from `origin()` (the plugin's exact origin). Returns a function that stops listening.
   */
  listen(win, { frame, origin }) {
    const onMessage = (event) => {
      if (event.data !== HANDSHAKE) return;
      if (event.source !== frame() || event.origin !== origin() || event.ports.length !== 1) {
        this.log('refused', { reason: 'handshake from an unexpected window or origin', origin: event.origin });
        return;
      }
      this.log('handshake', { origin: event.origin });
      this.attach(event.ports[0]);
    };
    win.addEventListener('message', onMessage);
    return () => win.removeEventListener('message', onMessage);
  }

  /** Talks to a plugin over `port` (after a handshake, or directly in tests). */
  attach(port) {
    if (this.port) this.port.close();
    this.port = port;
    port.onmessage = (event) => this.onPluginMessage(event.data);
    if (this.context) this.push();
  }

  /** Sets the context (without `id`); pushes it with a new id. */
  setContext(context) {
    const id = `ctx_${this.nextContextId++}`;
    this.context = { ...context, id };
    this.contexts.set(id, this.context);
    if (this.contexts.size > KEPT_CONTEXTS) {
      this.contexts.delete(this.contexts.keys().next().value);
    }
    this.push();
    return id;
  }

  push() {
    if (!this.port || !this.context) return;
    const message = { type: 'context_update', context: this.context };
    this.log('context_update', { id: this.context.id, type: this.context.type });
    this.port.postMessage(message);
  }

  async onPluginMessage(message) {
    if (!message || typeof message !== 'object') return;
    if (message.type === 'function_cancel') {
      this.cancelled.add(message.id);
      this.log('function_cancel', { id: message.id });
      return;
    }
    if (message.type !== 'function_call') return;
    const { id, contextId, name, args } = message;
    this.log('function_call', { id, name, args });
    const port = this.port;
    const answer = (reply) => {
      if (this.cancelled.delete(id)) return;
      this.log(reply.type, { id, name, error: reply.error });
      port.postMessage(reply);
    };
    const context = this.contexts.get(contextId);
    if (!context) {
      answer({ type: 'function_error', id, error: `Unknown context ${contextId}.` });
      return;
    }
    const implementation = this.functions[name];
    if (!(name in (context.functionArities || {})) || typeof implementation !== 'function') {
      answer({ type: 'function_error', id, error: `${name} is not a valid function for context ${context.type}.` });
      return;
    }
    try {
      const value = await implementation(Array.isArray(args) ? args : [], context);
      answer({ type: 'function_result', id, value });
    } catch (err) {
      answer({ type: 'function_error', id, error: String(err && err.message ? err.message : err) });
    }
  }
}
