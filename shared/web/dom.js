// The few DOM helpers every page script uses: elements built from data as text, never as HTML.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  /// h('button', {class: 'primary', type: 'button', onclick: fn, for: 'q-x'}, 'text', childNode, ...)
  /// Attributes are set with setAttribute (no inline style, no on… attribute: the CSP forbids them);
  /// `on…` keys add listeners; children that are strings become text nodes; null/false are skipped.
  FC.h = function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    FC.append(el, children);
    return el;
  };

  FC.append = function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  };

  /// Replaces every child of `el` with `children`.
  FC.replace = function replace(el, ...children) {
    el.replaceChildren();
    return FC.append(el, children);
  };

  /// Sends one request: `body` an object sent as JSON, or bytes (a Blob, a File) sent as
  /// `contentType`; `headers` more headers. Resolves to {response, data}: data the parsed JSON, a
  /// Blob for anything else, null for an empty answer. Rejects with {status: 0} when the server
  /// cannot be reached. The app's FC.api and the console's FC.call are built on it.
  FC.send = async function send(method, path, body, contentType, headers) {
    const init = {method, headers: Object.assign({}, headers || {}), credentials: 'same-origin'};
    if (body !== undefined && body !== null) {
      init.headers['Content-Type'] = contentType || 'application/json';
      init.body = contentType ? body : JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw {status: 0};
    }
    if (response.status === 204) return {response, data: null};
    const type = response.headers.get('Content-Type') || '';
    let data = null;
    try {
      data = type.includes('application/json') ? await response.json() : await response.blob();
    } catch (e) {
      data = null;
    }
    return {response, data};
  };

  /// Calls the app's API: JSON in and out. Resolves to the parsed body; rejects with
  /// {status, error: {vi, en, details}, body} when the answer is not 2xx.
  FC.api = async function api(method, path, body, contentType) {
    let sent;
    try {
      sent = await FC.send(method, path, body, contentType);
    } catch (e) {
      throw {status: 0, error: {vi: 'Chương trình fieldcheck ui đã dừng. Chạy lại lệnh fieldcheck ui.',
                                en: 'The fieldcheck ui program has stopped. Run fieldcheck ui again.', details: []}};
    }
    const {response, data} = sent;
    if (!response.ok) throw {status: response.status, error: (data && data.error) || {vi: 'Lỗi', en: 'Error', details: []}, body: data};
    return data;
  };
})(window.FC);
