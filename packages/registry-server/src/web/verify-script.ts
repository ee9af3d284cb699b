/**
 * The audit page's script (served as `/-/web/verify.<hash>.js`; the CSP allows no inline script). Plain DOM, no
 * framework. It trusts nothing the server says:
 *
 * - the key is the one the user pins in the page's field (kept in this browser's localStorage), never the
 *   server's; its key hash is recomputed from its name and public key;
 * - the checkpoint (`GET /api/v1/audit/checkpoint`, a C2SP signed note) must carry a signature line whose name
 *   and key hash are the pinned key's, and that Ed25519 signature must verify with WebCrypto over the note's
 *   text; a signed-time line by the same key (C2SP tlog-cosignature, key type 0x04) must verify too;
 * - every entry row carries its body bytes (`data-body`, base64): the script hashes them itself (RFC 6962 leaf
 *   hash), fetches the inclusion proof for the verified checkpoint's size and runs RFC 9162 §2.1.3.2 up to the
 *   checkpoint's root; the row's shown fields must be the body's own.
 *
 * Marks are text (✓ / ✗ and a reason), with `data-state` for styling; the checkpoint status and the summary are
 * `aria-live` regions.
 *
 * Kept free of backquotes and dollar-brace so that it can live in this template literal unchanged.
 */
export const VERIFY_JS = String.raw`'use strict';
(function () {
  var STORE = 'aam-registry-pinned-checkpoint-key';
  var OK = '\u2713 ';
  var BAD = '\u2717 ';
  var form = document.getElementById('pin-form');
  var input = document.getElementById('pinned-key');
  var cpStatus = document.getElementById('checkpoint-status');
  var summary = document.getElementById('verify-summary');
  if (!form || !input || !cpStatus || !summary) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll('tr[data-index][data-body]'));
  var encoder = new TextEncoder();
  var run = 0;

  function Failure(message) {
    this.message = message;
  }
  function fail(message) {
    throw new Failure(message);
  }
  function reason(e) {
    if (e instanceof Failure) return e.message;
    return 'unexpected error: ' + (e && e.message ? e.message : String(e));
  }

  function mark(el, state, text) {
    el.setAttribute('data-state', state);
    el.textContent = (state === 'ok' ? OK : state === 'bad' ? BAD : '') + text;
  }
  function cellOf(row) {
    return row.querySelector('td.verify');
  }

  // --- bytes ---------------------------------------------------------------------------------------------
  var B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
  function fromB64(text) {
    if (typeof text !== 'string' || !B64.test(text)) return null;
    var bin = atob(text);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function toB64(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function hex(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
    return s;
  }
  function concat(parts) {
    var n = 0;
    parts.forEach(function (p) {
      n += p.length;
    });
    var out = new Uint8Array(n);
    var at = 0;
    parts.forEach(function (p) {
      out.set(p, at);
      at += p.length;
    });
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function utf8(bytes, what) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch (e) {
      fail(what + ' is not valid UTF-8');
    }
  }
  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  }
  function leafHash(body) {
    return sha256(concat([Uint8Array.of(0), body]));
  }
  function nodeHash(left, right) {
    return sha256(concat([Uint8Array.of(1), left, right]));
  }

  // --- the pinned key: <name>+<8 hex key hash>+<base64(0x01 || 32-byte Ed25519 public key)> ---------------
  function validName(name) {
    return name.length > 0 && !/[\s+]/.test(name);
  }
  async function parseKey(text) {
    var i = text.indexOf('+');
    var j = i < 0 ? -1 : text.indexOf('+', i + 1);
    if (i < 0 || j < 0) fail('the pinned key is not <name>+<8 hex digits>+<base64 key>');
    var name = text.slice(0, i);
    var idHex = text.slice(i + 1, j);
    var typed = fromB64(text.slice(j + 1));
    if (!validName(name) || !/^[0-9a-fA-F]{8}$/.test(idHex) || !typed)
      fail('the pinned key is not <name>+<8 hex digits>+<base64 key>');
    if (typed.length !== 33 || typed[0] !== 1) fail('the pinned key is not an Ed25519 note key (type 0x01, 32 bytes)');
    var prefix = encoder.encode(name + '\n');
    var id = (await sha256(concat([prefix, typed]))).slice(0, 4);
    if (hex(id) !== idHex.toLowerCase()) fail('the pinned key\'s key hash does not match its name and public key');
    var pub = typed.slice(1);
    var key;
    try {
      key = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
    } catch (e) {
      fail('this browser cannot use an Ed25519 key with WebCrypto (' + (e && e.message) + ')');
    }
    var stampId = (await sha256(concat([prefix, Uint8Array.of(4), pub]))).slice(0, 4);
    return { name: name, id: id, stampId: stampId, key: key };
  }

  // --- the checkpoint: a C2SP signed note ------------------------------------------------------------------
  function openNote(bytes) {
    for (var c = 0; c < bytes.length; c++)
      if ((bytes[c] < 0x20 && bytes[c] !== 0x0a) || bytes[c] === 0x7f) fail('the checkpoint has a control character');
    var split = -1;
    for (var i = bytes.length - 2; i >= 0; i--)
      if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) {
        split = i;
        break;
      }
    if (split < 0) fail('the checkpoint has no blank line before its signatures');
    var text = bytes.slice(0, split + 1);
    var block = bytes.slice(split + 2);
    if (block.length === 0 || block[block.length - 1] !== 0x0a)
      fail('the checkpoint\'s signature block is empty or does not end with a newline');
    var sigs = utf8(block, 'the signature block')
      .slice(0, -1)
      .split('\n')
      .map(function (line) {
        if (line.indexOf('\u2014 ') !== 0) fail('a line after the blank line is not a signature line');
        var rest = line.slice(2);
        var sp = rest.indexOf(' ');
        var name = sp < 0 ? rest : rest.slice(0, sp);
        var blob = sp < 0 ? null : fromB64(rest.slice(sp + 1));
        if (!validName(name) || !blob || blob.length < 5) fail('a signature line is malformed');
        return { name: name, blob: blob };
      });
    return { text: text, sigs: sigs };
  }

  function parseCheckpointText(textBytes) {
    var lines = utf8(textBytes, 'the checkpoint').slice(0, -1).split('\n');
    if (lines.length < 3) fail('the checkpoint text has no origin, size and root lines');
    var size = /^(0|[1-9][0-9]*)$/.test(lines[1]) ? Number(lines[1]) : NaN;
    if (!Number.isSafeInteger(size)) fail('the checkpoint\'s size is not a whole number');
    var root = lines[2].length === 44 ? fromB64(lines[2]) : null;
    if (!root || root.length !== 32) fail('the checkpoint\'s root is not the base64 of 32 bytes');
    if (lines[0] === '') fail('the checkpoint has no origin');
    return { origin: lines[0], size: size, root: root };
  }

  function readTime(blob) {
    var t = 0;
    for (var i = 4; i < 12; i++) t = t * 256 + blob[i];
    return t;
  }

  async function verifyCheckpoint(pin, bytes) {
    var note = openNote(bytes);
    var mine = note.sigs.filter(function (s) {
      return s.name === pin.name && equal(s.blob.slice(0, 4), pin.id);
    });
    if (mine.length === 0) {
      var by = note.sigs.map(function (s) {
        return s.name + ' (' + hex(s.blob.slice(0, 4)) + ')';
      });
      fail(
        'no signature by the pinned key ' + pin.name + ' (key hash ' + hex(pin.id) + '); the checkpoint is signed by ' +
          by.join(', '),
      );
    }
    var sig = mine[0].blob;
    var good = sig.length === 68 && (await crypto.subtle.verify({ name: 'Ed25519' }, pin.key, sig.slice(4), note.text));
    if (!good) fail('the signature by the pinned key does not verify: the checkpoint was altered');
    var signedAt = null;
    for (var k = 0; k < note.sigs.length; k++) {
      var s = note.sigs[k];
      if (s.name !== pin.name || !equal(s.blob.slice(0, 4), pin.stampId)) continue;
      var time = s.blob.length === 76 ? readTime(s.blob) : NaN;
      var message = concat([encoder.encode('cosignature/v1\ntime ' + time + '\n'), note.text]);
      var timeOk =
        Number.isSafeInteger(time) &&
        time <= 253402300799 &&
        (await crypto.subtle.verify({ name: 'Ed25519' }, pin.key, s.blob.slice(12), message));
      if (!timeOk) fail('the signed time on the checkpoint does not verify');
      signedAt = signedAt === null ? time : Math.max(signedAt, time);
    }
    var cp = parseCheckpointText(note.text);
    cp.signedAt = signedAt;
    return cp;
  }

  // --- inclusion proofs: RFC 9162 section 2.1.3.2 -----------------------------------------------------------
  async function rootFromInclusion(index, size, leaf, proof) {
    if (!(index < size)) fail('the entry is outside the checkpoint');
    var fn = index;
    var sn = size - 1;
    var r = leaf;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0) fail('the inclusion proof is too long');
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0)
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    if (sn !== 0) fail('the inclusion proof is too short');
    return r;
  }

  async function fetchProof(index, size) {
    var res = await fetch('/api/v1/audit/proof/inclusion?index=' + index + '&tree_size=' + size, {
      cache: 'no-store',
      headers: { accept: 'application/json' },
    });
    if (!res.ok) fail('the registry answered ' + res.status + ' for the inclusion proof');
    var doc = await res.json();
    if (!doc || doc.index !== index || doc.tree_size !== size || !Array.isArray(doc.hashes))
      fail('the inclusion proof is not for this entry and checkpoint');
    return doc.hashes.map(function (h) {
      var b = fromB64(h);
      if (!b || b.length !== 32) fail('a hash of the inclusion proof is not 32 bytes');
      return b;
    });
  }

  // The row must show what its body says (the server could show one thing and prove another).
  function checkShown(row, index, body) {
    var e;
    try {
      e = JSON.parse(utf8(body, 'the entry'));
    } catch (x) {
      if (x instanceof Failure) throw x;
      fail('the entry is not JSON');
    }
    if (!e || typeof e !== 'object') fail('the entry is not a JSON object');
    var shown = {
      index: String(index),
      timestamp: String(e.timestamp),
      event: String(e.event),
      actor: String(e.actor),
      package: e.package === undefined ? '' : String(e.package),
      metadata: JSON.stringify(e.metadata === undefined ? null : e.metadata),
    };
    Object.keys(shown).forEach(function (field) {
      var cell = row.querySelector('[data-field="' + field + '"]');
      if (!cell || cell.textContent !== shown[field])
        fail('the row shows a ' + field + ' that is not the entry\'s own');
    });
  }

  async function verifyEntry(row, cp, mine) {
    var cell = cellOf(row);
    var index = Number(row.getAttribute('data-index'));
    try {
      if (!Number.isSafeInteger(index) || index < 0) fail('the row has no valid index');
      if (index >= cp.size) {
        if (mine === run) mark(cell, 'pending', 'not in the verified checkpoint yet (size ' + cp.size + ')');
        return 'later';
      }
      var body = fromB64(row.getAttribute('data-body'));
      if (!body) fail('the row carries no entry bytes');
      checkShown(row, index, body);
      var leaf = await leafHash(body);
      var proof = await fetchProof(index, cp.size);
      var root = await rootFromInclusion(index, cp.size, leaf, proof);
      if (!equal(root, cp.root)) fail('the inclusion proof does not lead to the checkpoint\'s root');
      if (mine === run) mark(cell, 'ok', 'in the log (proof checked against checkpoint size ' + cp.size + ')');
      return 'ok';
    } catch (e) {
      if (mine === run) mark(cell, 'bad', 'not verified: ' + reason(e));
      return 'bad';
    }
  }

  async function pool(items, width, work) {
    var next = 0;
    var results = [];
    var workers = [];
    for (var w = 0; w < Math.min(width, items.length); w++)
      workers.push(
        (async function () {
          while (next < items.length) {
            var i = next++;
            results[i] = await work(items[i]);
          }
        })(),
      );
    await Promise.all(workers);
    return results;
  }

  function unverifiedRows(text) {
    rows.forEach(function (row) {
      mark(cellOf(row), 'unverified', text);
    });
  }

  async function verifyAll() {
    var mine = ++run;
    var keyText = input.value.trim();
    mark(summary, 'pending', '');
    if (keyText === '') {
      mark(cpStatus, 'bad', 'Checkpoint not verified: no key is pinned. Paste the registry\'s checkpoint key, obtained from someone you trust, and press Verify.');
      unverifiedRows('not verified (no verified checkpoint)');
      mark(summary, 'unverified', 'No entry verified: no key is pinned.');
      return;
    }
    if (!window.crypto || !crypto.subtle) {
      mark(cpStatus, 'bad', 'Checkpoint not verified: WebCrypto is unavailable here (the page needs HTTPS or localhost).');
      unverifiedRows('not verified (no verified checkpoint)');
      mark(summary, 'unverified', 'No entry verified: this browser cannot check signatures here.');
      return;
    }
    mark(cpStatus, 'pending', 'Verifying the checkpoint\u2026');
    rows.forEach(function (row) {
      mark(cellOf(row), 'pending', 'verifying\u2026');
    });
    var cp;
    try {
      var pin = await parseKey(keyText);
      var res = await fetch('/api/v1/audit/checkpoint', { cache: 'no-store' });
      if (!res.ok) fail('the registry answered ' + res.status + ' for its checkpoint');
      cp = await verifyCheckpoint(pin, new Uint8Array(await res.arrayBuffer()));
      cp.keyName = pin.name;
      cp.keyId = hex(pin.id);
    } catch (e) {
      if (mine !== run) return;
      mark(cpStatus, 'bad', 'Checkpoint not verified: ' + reason(e));
      unverifiedRows('not verified (no verified checkpoint)');
      mark(summary, 'bad', 'No entry verified: the checkpoint did not verify with the pinned key.');
      return;
    }
    if (mine !== run) return;
    mark(
      cpStatus,
      'ok',
      'Checkpoint verified: signed by the pinned key ' + cp.keyName + ' (key hash ' + cp.keyId + '); origin ' +
        cp.origin + ', ' + cp.size + ' entries, root ' + toB64(cp.root) +
        (cp.signedAt === null ? '' : ', signed at ' + new Date(cp.signedAt * 1000).toISOString()) + '.',
    );
    mark(summary, 'pending', 'Verifying ' + rows.length + ' entries\u2026');
    var results = await pool(rows, 6, function (row) {
      return verifyEntry(row, cp, mine);
    });
    if (mine !== run) return;
    var count = { ok: 0, bad: 0, later: 0 };
    results.forEach(function (r) {
      count[r]++;
    });
    mark(
      summary,
      count.bad > 0 ? 'bad' : 'ok',
      count.ok + ' of ' + rows.length + ' entries shown verified, ' + count.bad + ' failed' +
        (count.later > 0 ? ', ' + count.later + ' not in the checkpoint yet' : '') + '.',
    );
  }

  function stored() {
    try {
      return window.localStorage.getItem(STORE);
    } catch (e) {
      return null;
    }
  }
  function store(value) {
    try {
      if (value) window.localStorage.setItem(STORE, value);
      else window.localStorage.removeItem(STORE);
    } catch (e) {
      // Storage may be disabled: the key is then only kept for this page.
    }
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var value = input.value.trim();
    input.value = value;
    store(value);
    verifyAll();
  });
  var saved = stored();
  if (saved) input.value = saved;
  verifyAll();
})();
`;
