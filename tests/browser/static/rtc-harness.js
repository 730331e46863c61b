// Test harness: lets a Python test drive browser RTCPeerConnections through page.evaluate.
//
// Everything lives on `window.rtc`. Objects are named by string handles ("pc1", "dc3") so
// that Python only ever passes JSON-able values. Every wait is a promise that resolves on
// the event it waits for, or rejects after `timeoutMs` with a message naming what it waited
// for: nothing here polls or sleeps.
//
// Binary data crosses the page boundary as base64; large payloads never cross it at all:
// the page generates random bytes itself and reports their SHA-256 (crypto.subtle), and a
// receiver reports the SHA-256 of what arrived.
"use strict";

(() => {
  const DEFAULT_TIMEOUT_MS = 10000;
  const STATE_KINDS = [
    "signalingState",
    "iceGatheringState",
    "iceConnectionState",
    "connectionState",
    "sctpState",
  ];
  const readState = (pc, kind) => (kind === "sctpState" ? (pc.sctp ? pc.sctp.state : null) : pc[kind]);
  const t0 = performance.now();
  const now = () => Math.round((performance.now() - t0) * 1000) / 1000;

  const peers = new Map(); // handle -> PeerRecord
  const channels = new Map(); // handle -> ChannelRecord
  let peerCounter = 0;
  let channelCounter = 0;

  // A FIFO whose pop() returns a promise: resolved at once if an item is queued, otherwise
  // by the next push(), or rejected after the timeout.
  class AsyncQueue {
    constructor() {
      this.items = [];
      this.waiters = [];
    }
    push(item) {
      const waiter = this.waiters.shift();
      if (waiter) waiter(item);
      else this.items.push(item);
    }
    pop(timeoutMs, what) {
      if (this.items.length) return Promise.resolve(this.items.shift());
      return new Promise((resolve, reject) => {
        const waiter = (item) => {
          clearTimeout(timer);
          resolve(item);
        };
        const timer = setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        this.waiters.push(waiter);
      });
    }
  }

  // Calls every registered check after each recorded change; a wait resolves when its check
  // returns a value other than undefined.
  class Watchers {
    constructor() {
      this.checks = new Set();
    }
    notify() {
      for (const check of [...this.checks]) check();
    }
    waitFor(predicate, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        let timer = null;
        const check = () => {
          let value;
          try {
            value = predicate();
          } catch (err) {
            this.checks.delete(check);
            clearTimeout(timer);
            reject(err);
            return;
          }
          if (value !== undefined) {
            this.checks.delete(check);
            clearTimeout(timer);
            resolve(value);
          }
        };
        this.checks.add(check);
        timer = setTimeout(() => {
          this.checks.delete(check);
          reject(new Error(`timeout after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        check();
      });
    }
  }

  function getPeer(handle) {
    const peer = peers.get(handle);
    if (!peer) throw new Error(`unknown peer handle ${handle}`);
    return peer;
  }

  function getChannel(handle) {
    const channel = channels.get(handle);
    if (!channel) throw new Error(`unknown channel handle ${handle}`);
    return channel;
  }

  function toBase64(bytes) {
    let binary = "";
    const step = 0x8000;
    for (let i = 0; i < bytes.length; i += step) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + step));
    }
    return btoa(binary);
  }

  function fromBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  async function sha256Hex(bytes) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // crypto.getRandomValues fills at most 65536 bytes per call.
  function randomBytes(size) {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i += 65536) {
      crypto.getRandomValues(bytes.subarray(i, Math.min(size, i + 65536)));
    }
    return bytes;
  }

  function concat(chunks, total) {
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  const encoder = new TextEncoder();

  function channelInfo(channel) {
    const dc = channel.dc;
    return {
      handle: channel.handle,
      peer: channel.peer.handle,
      origin: channel.origin,
      label: dc.label,
      protocol: dc.protocol,
      id: dc.id,
      ordered: dc.ordered,
      maxRetransmits: dc.maxRetransmits,
      maxPacketLifeTime: dc.maxPacketLifeTime,
      negotiated: dc.negotiated,
      readyState: dc.readyState,
      bufferedAmount: dc.bufferedAmount,
      bufferedAmountLowThreshold: dc.bufferedAmountLowThreshold,
      binaryType: dc.binaryType,
    };
  }

  function registerChannel(peer, dc, origin) {
    channelCounter += 1;
    const channel = {
      handle: `dc${channelCounter}`,
      peer,
      dc,
      origin, // "local" (createDataChannel) or "remote" (datachannel event)
      log: [{ t: now(), kind: "readyState", value: dc.readyState }],
      errors: [],
      inbox: new AsyncQueue(),
      watchers: new Watchers(),
      received: { messages: 0, bytes: 0 },
    };
    dc.binaryType = "arraybuffer";
    const record = (kind, value) => {
      channel.log.push({ t: now(), kind, value });
      channel.watchers.notify();
    };
    // A channel from a "datachannel" event is often already open when the "open" event
    // fires, and close() moves to "closing" without an event: record changes, not events.
    let lastState = dc.readyState;
    channel.recordState = () => {
      if (dc.readyState !== lastState) {
        lastState = dc.readyState;
        record("readyState", lastState);
      }
    };
    dc.addEventListener("open", channel.recordState);
    dc.addEventListener("closing", channel.recordState);
    dc.addEventListener("close", channel.recordState);
    dc.addEventListener("error", (event) => {
      const err = event.error || {};
      channel.errors.push({
        t: now(),
        name: err.name || null,
        message: err.message || null,
        errorDetail: err.errorDetail || null,
        sctpCauseCode: err.sctpCauseCode ?? null,
      });
      record("error", err.message || "error");
    });
    dc.addEventListener("message", (event) => {
      const data = event.data;
      let message;
      if (typeof data === "string") {
        message = { kind: "text", text: data, bytes: encoder.encode(data), t: now() };
      } else {
        message = { kind: "binary", bytes: new Uint8Array(data), t: now() };
      }
      channel.received.messages += 1;
      channel.received.bytes += message.bytes.length;
      channel.inbox.push(message);
    });
    channels.set(channel.handle, channel);
    return channel;
  }

  const rtc = {
    // --- peer connections -------------------------------------------------------------

    /** Create an RTCPeerConnection; returns its handle. */
    createPeer(configuration) {
      peerCounter += 1;
      const pc = new RTCPeerConnection(configuration || {});
      const peer = {
        handle: `pc${peerCounter}`,
        pc,
        log: [],
        candidates: [], // every local candidate init, in order; null marks the end
        candidateQueue: new AsyncQueue(),
        candidateErrors: [],
        incoming: new AsyncQueue(),
        watchers: new Watchers(),
      };
      const record = (kind, value) => {
        peer.log.push({ t: now(), kind, value });
        peer.watchers.notify();
      };
      const last = {};
      let sctpWatched = false;
      // Records a state attribute when it differs from the last value recorded. "sctpState"
      // is pc.sctp.state (null until negotiation creates the RTCSctpTransport): Chromium
      // updates it after the channels open, so it has its own record.
      peer.recordStates = () => {
        if (pc.sctp && !sctpWatched) {
          sctpWatched = true;
          pc.sctp.addEventListener("statechange", peer.recordStates);
        }
        for (const kind of STATE_KINDS) {
          const value = readState(pc, kind);
          if (value !== last[kind]) {
            last[kind] = value;
            record(kind, value);
          }
        }
      };
      peer.recordStates();
      for (const kind of STATE_KINDS.slice(0, 4)) {
        pc.addEventListener(`${kind.toLowerCase()}change`, peer.recordStates);
      }
      pc.addEventListener("icecandidate", (event) => {
        const init = event.candidate ? event.candidate.toJSON() : null;
        peer.candidates.push(init);
        peer.candidateQueue.push(init);
        record("icecandidate", init ? init.candidate : null);
      });
      pc.addEventListener("icecandidateerror", (event) => {
        peer.candidateErrors.push({
          address: event.address,
          port: event.port,
          url: event.url,
          errorCode: event.errorCode,
          errorText: event.errorText,
        });
      });
      pc.addEventListener("datachannel", (event) => {
        const channel = registerChannel(peer, event.channel, "remote");
        record("datachannel", channel.handle);
        peer.incoming.push(channelInfo(channel));
      });
      peers.set(peer.handle, peer);
      return peer.handle;
    },

    async createOffer(handle, options) {
      const offer = await getPeer(handle).pc.createOffer(options || {});
      return { type: offer.type, sdp: offer.sdp };
    },

    async createAnswer(handle, options) {
      const answer = await getPeer(handle).pc.createAnswer(options || {});
      return { type: answer.type, sdp: answer.sdp };
    },

    /** setLocalDescription(description) or, with null, the implicit form. */
    async setLocalDescription(handle, description) {
      const peer = getPeer(handle);
      if (description) await peer.pc.setLocalDescription(description);
      else await peer.pc.setLocalDescription();
      peer.recordStates(); // pc.sctp may have just appeared: watch it
      return rtc.localDescription(handle);
    },

    async setRemoteDescription(handle, description) {
      const peer = getPeer(handle);
      await peer.pc.setRemoteDescription(description);
      peer.recordStates(); // pc.sctp may have just appeared: watch it
      return rtc.remoteDescription(handle);
    },

    /** Add a remote candidate init; null signals end-of-candidates. */
    async addIceCandidate(handle, candidate) {
      const pc = getPeer(handle).pc;
      if (candidate) await pc.addIceCandidate(candidate);
      else await pc.addIceCandidate();
    },

    localDescription(handle) {
      const description = getPeer(handle).pc.localDescription;
      return description ? description.toJSON() : null;
    },

    remoteDescription(handle) {
      const description = getPeer(handle).pc.remoteDescription;
      return description ? description.toJSON() : null;
    },

    /** Next local candidate init in gathering order (trickle); null once gathering ended. */
    nextCandidate(handle, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return getPeer(handle).candidateQueue.pop(timeoutMs, `a local ICE candidate of ${handle}`);
    },

    /** Wait for iceGatheringState "complete"; returns the local description and candidates. */
    async waitGatheringComplete(handle, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const peer = getPeer(handle);
      await peer.watchers.waitFor(
        () => (peer.pc.iceGatheringState === "complete" ? true : undefined),
        timeoutMs,
        `iceGatheringState "complete" on ${handle}`,
      );
      return {
        localDescription: rtc.localDescription(handle),
        candidates: peer.candidates.filter((c) => c !== null),
        candidateErrors: peer.candidateErrors,
      };
    },

    /** Wait until `kind` ("connectionState", "iceConnectionState", "signalingState",
     * "iceGatheringState" or "sctpState") equals `value`. Fails fast on "failed". */
    waitPeerState(handle, kind, value, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const peer = getPeer(handle);
      return peer.watchers.waitFor(
        () => {
          const current = readState(peer.pc, kind);
          if (current === value) return current;
          if (current === "failed" && value !== "failed") {
            throw new Error(`${handle}.${kind} became "failed" while waiting for "${value}"`);
          }
          return undefined;
        },
        timeoutMs,
        `${handle}.${kind} == "${value}" (now "${readState(peer.pc, kind)}")`,
      );
    },

    peerState(handle) {
      const pc = getPeer(handle).pc;
      return {
        signalingState: pc.signalingState,
        iceGatheringState: pc.iceGatheringState,
        iceConnectionState: pc.iceConnectionState,
        connectionState: pc.connectionState,
        sctp: pc.sctp
          ? { state: pc.sctp.state, maxMessageSize: pc.sctp.maxMessageSize, maxChannels: pc.sctp.maxChannels }
          : null,
      };
    },

    /** Every recorded change of the peer, in order: [{t, kind, value}]. */
    peerLog(handle) {
      return getPeer(handle).log;
    },

    /** The nominated candidate pair from getStats(), or null before there is one. */
    async selectedCandidatePair(handle) {
      const stats = await getPeer(handle).pc.getStats();
      let transport = null;
      stats.forEach((report) => {
        if (report.type === "transport" && report.selectedCandidatePairId) transport = report;
      });
      if (!transport) return null;
      const pair = stats.get(transport.selectedCandidatePairId);
      const describe = (id) => {
        const c = stats.get(id);
        return {
          address: c.address,
          port: c.port,
          protocol: c.protocol,
          candidateType: c.candidateType,
        };
      };
      return {
        state: pair.state,
        local: describe(pair.localCandidateId),
        remote: describe(pair.remoteCandidateId),
        dtlsState: transport.dtlsState,
        dtlsRole: transport.dtlsRole ?? null,
      };
    },

    /** Next channel announced by a "datachannel" event (channelInfo). */
    nextDataChannel(handle, timeoutMs = DEFAULT_TIMEOUT_MS) {
      return getPeer(handle).incoming.pop(timeoutMs, `a datachannel event on ${handle}`);
    },

    /** RTCPeerConnection.close(); also records the states it sets without events. */
    closePeer(handle) {
      const peer = getPeer(handle);
      peer.pc.close();
      peer.recordStates();
      for (const channel of channels.values()) {
        if (channel.peer === peer) channel.recordState();
      }
    },

    // --- data channels ----------------------------------------------------------------

    /** createDataChannel(label, options); returns channelInfo (its handle is `.handle`). */
    createDataChannel(handle, label, options) {
      const peer = getPeer(handle);
      const dc = peer.pc.createDataChannel(label, options || {});
      return channelInfo(registerChannel(peer, dc, "local"));
    },

    channelInfo(handle) {
      return channelInfo(getChannel(handle));
    },

    /** Every recorded readyState change and error of the channel: [{t, kind, value}]. */
    channelLog(handle) {
      return getChannel(handle).log;
    },

    channelErrors(handle) {
      return getChannel(handle).errors;
    },

    /** Counts of everything the channel received so far, consumed or not. */
    channelReceived(handle) {
      return getChannel(handle).received;
    },

    waitChannelState(handle, value, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const channel = getChannel(handle);
      return channel.watchers.waitFor(
        () => (channel.dc.readyState === value ? value : undefined),
        timeoutMs,
        `${handle}.readyState == "${value}" (now "${channel.dc.readyState}")`,
      );
    },

    closeChannel(handle) {
      const channel = getChannel(handle);
      channel.dc.close();
      channel.recordState(); // "closing": close() itself fires no event
    },

    /** Send one message: {kind: "text", text} | {kind: "binary", b64} | {kind: "random", size}.
     * Returns {kind, size, sha256} of what was handed to send(). */
    async send(handle, payload) {
      const dc = getChannel(handle).dc;
      let bytes;
      if (payload.kind === "text") {
        dc.send(payload.text);
        bytes = encoder.encode(payload.text);
      } else if (payload.kind === "binary") {
        bytes = fromBase64(payload.b64);
        dc.send(bytes);
      } else if (payload.kind === "random") {
        bytes = randomBytes(payload.size);
        dc.send(bytes);
      } else {
        throw new Error(`unknown payload kind ${payload.kind}`);
      }
      return { kind: payload.kind, size: bytes.length, sha256: await sha256Hex(bytes) };
    },

    /** Next received message: {kind: "text"|"binary", size, sha256, text?, b64?, t}.
     * Binary content is included as base64 up to `inlineLimit` bytes. */
    async nextMessage(handle, timeoutMs = DEFAULT_TIMEOUT_MS, inlineLimit = 65536) {
      const channel = getChannel(handle);
      const message = await channel.inbox.pop(timeoutMs, `a message on ${handle}`);
      const out = {
        kind: message.kind,
        size: message.bytes.length,
        sha256: await sha256Hex(message.bytes),
        t: message.t,
      };
      if (message.kind === "text") out.text = message.text;
      else if (message.bytes.length <= inlineLimit) out.b64 = toBase64(message.bytes);
      return out;
    },

    /** Send `totalBytes` of random binary data in `chunkSize` messages with backpressure:
     * whenever bufferedAmount exceeds `highWaterMark`, wait for "bufferedamountlow" (fired
     * at `lowWaterMark`). Returns {bytes, messages, sha256, elapsedMs, maxBufferedAmount,
     * lowEvents}. The SHA-256 covers the whole stream, in order. */
    async streamSend(handle, totalBytes, options = {}) {
      const channel = getChannel(handle);
      const dc = channel.dc;
      const chunkSize = options.chunkSize ?? 65536;
      const highWaterMark = options.highWaterMark ?? 4 * 1024 * 1024;
      const lowWaterMark = options.lowWaterMark ?? 1024 * 1024;
      const timeoutMs = options.timeoutMs ?? 60000;
      const data = randomBytes(totalBytes);
      const sha256 = await sha256Hex(data);
      dc.bufferedAmountLowThreshold = lowWaterMark;
      const started = performance.now();
      let offset = 0;
      let messages = 0;
      let maxBufferedAmount = 0;
      let lowEvents = 0;
      while (offset < totalBytes) {
        if (dc.readyState !== "open") {
          throw new Error(`${handle} became "${dc.readyState}" after ${offset} of ${totalBytes} bytes`);
        }
        if (dc.bufferedAmount > highWaterMark) {
          // Registered in the same task as the check, so the event cannot be missed.
          await new Promise((resolve, reject) => {
            const done = (error) => {
              clearTimeout(timer);
              dc.removeEventListener("bufferedamountlow", onLow);
              dc.removeEventListener("close", onClose);
              if (error) reject(error);
              else resolve();
            };
            const onLow = () => {
              lowEvents += 1;
              done(null);
            };
            const onClose = () => done(new Error(`${handle} closed during streamSend`));
            const timer = setTimeout(
              () => done(new Error(`timeout after ${timeoutMs} ms waiting for bufferedamountlow on ${handle}`)),
              timeoutMs,
            );
            dc.addEventListener("bufferedamountlow", onLow);
            dc.addEventListener("close", onClose);
          });
          continue;
        }
        const end = Math.min(totalBytes, offset + chunkSize);
        dc.send(data.subarray(offset, end));
        messages += 1;
        offset = end;
        if (dc.bufferedAmount > maxBufferedAmount) maxBufferedAmount = dc.bufferedAmount;
      }
      return {
        bytes: totalBytes,
        messages,
        sha256,
        elapsedMs: performance.now() - started,
        maxBufferedAmount,
        lowEvents,
      };
    },

    /** Consume messages until `totalBytes` arrived; returns {bytes, messages, sha256,
     * elapsedMs (first to last message)}. Text messages count as their UTF-8 bytes. */
    async streamReceive(handle, totalBytes, timeoutMs = 60000) {
      const channel = getChannel(handle);
      const chunks = [];
      let received = 0;
      let first = null;
      let last = null;
      const deadline = performance.now() + timeoutMs;
      while (received < totalBytes) {
        const remaining = Math.max(1, Math.round(deadline - performance.now()));
        const what = `stream data on ${handle} (${received} of ${totalBytes} bytes so far)`;
        const message = await channel.inbox.pop(remaining, what);
        chunks.push(message.bytes);
        received += message.bytes.length;
        if (first === null) first = message.t;
        last = message.t;
      }
      if (received !== totalBytes) {
        throw new Error(`${handle} received ${received} bytes, more than the ${totalBytes} expected`);
      }
      return {
        bytes: received,
        messages: chunks.length,
        sha256: await sha256Hex(concat(chunks, received)),
        elapsedMs: last - first,
      };
    },
  };

  window.rtc = rtc;
  window.rtcReady = true;
})();
