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

  /// Calls the API: JSON in and out. Resolves to the parsed body; rejects with
  /// {status, error: {vi, en, details}, body} when the answer is not 2xx.
  FC.api = async function api(method, path, body, contentType) {
    const init = {method, headers: {}, credentials: 'same-origin'};
    if (body !== undefined) {
      if (contentType) {
        init.headers['Content-Type'] = contentType;
        init.body = body;
      } else {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw {status: 0, error: {vi: 'Chương trình fieldcheck ui đã dừng. Chạy lại lệnh fieldcheck ui.',
                                en: 'The fieldcheck ui program has stopped. Run fieldcheck ui again.', details: []}};
    }
    const type = response.headers.get('Content-Type') || '';
    const data = type.includes('application/json') ? await response.json() : await response.blob();
    if (!response.ok) throw {status: response.status, error: (data && data.error) || {vi: 'Lỗi', en: 'Error', details: []}, body: data};
    return data;
  };
})(window.FC);
