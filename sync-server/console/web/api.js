// The console's calls to its API (sync-server/console/API.md): the CSRF header, errors as {vi, en}, a lost session handed to the shell.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;

  /// Thrown (rejected) instead of an answer that arrived for a screen the user has left.
  FC.kStale = Symbol('stale');

  /// The shell sets these: what to do when the session has ended, or the password must change first.
  FC.onSessionLost = null;
  FC.onPasswordRequired = null;

  const kNoServer = {code: 'network', vi: 'Không kết nối được với máy chủ. Kiểm tra mạng rồi thử lại.',
    en: 'The server could not be reached. Check the network and try again.', details: []};

  /// Calls the console's API. `body`: an object (sent as JSON), or a Blob/File sent with
  /// `contentType`. Resolves to the parsed JSON, a Blob for anything else, or null for 204.
  /// Rejects with {status, error: {code, vi, en, details}}. A 401 (but a refused login) hands
  /// the page to FC.onSessionLost; a 403 password_change_required to FC.onPasswordRequired.
  FC.call = async function call(method, path, body, contentType) {
    const headers = {Accept: 'application/json'};
    if (method !== 'GET' && method !== 'HEAD' && FC.me && FC.me.csrf) headers['X-Fieldcheck-CSRF'] = FC.me.csrf;
    let sent;
    try {
      sent = await FC.send(method, path, body, contentType, headers);
    } catch (e) {
      throw {status: 0, error: kNoServer};
    }
    const {response, data} = sent;
    if (response.ok) return data;
    const error = (data && data.error) || {
      code: 'http_' + response.status,
      vi: 'Máy chủ trả lời lỗi ' + response.status + '. Thử lại sau ít phút.',
      en: 'The server answered with error ' + response.status + '. Try again in a few minutes.', details: []};
    const failure = {status: response.status, error, body: data};
    const loggingIn = path === '/api/session' && method === 'POST';
    if (response.status === 401 && !loggingIn && typeof FC.onSessionLost === 'function') FC.onSessionLost(failure);
    if (response.status === 403 && error.code === 'password_change_required' && typeof FC.onPasswordRequired === 'function') {
      FC.onPasswordRequired(failure);
    }
    throw failure;
  };

  // ---------------------------------------------------------------- the error area

  /// An error in both languages: the one chosen first, then the other; then each detail.
  /// `err.field`: the id of the field it is about, linked from the title.
  FC.errorNodes = function errorNodes(err) {
    const e = (err && err.error) || {};
    let vi = e.vi, en = e.en;
    if (!vi && !en) {
      vi = 'Đã có lỗi' + (err && err.status ? ' (' + err.status + ')' : '') + '. Tải lại trang rồi thử lại.';
      en = 'Something went wrong' + (err && err.status ? ' (' + err.status + ')' : '') + '. Reload the page and try again.';
    }
    const first = FC.lang === 'en' ? {text: en || vi, lang: 'en'} : {text: vi || en, lang: 'vi'};
    const second = FC.lang === 'en' ? {text: vi, lang: 'vi'} : {text: en, lang: 'en'};
    const details = (e.details || []).filter(Boolean);
    // An error about one field links to it (GOV.UK's error summary): the link moves the focus there.
    const field = err && err.field;
    const title = field ? h('a', {href: '#' + field, onclick: (event) => {
      event.preventDefault();
      const el = document.getElementById(field);
      if (el) el.focus();
    }}, first.text) : first.text;
    return [
      h('p', {class: 'alert__title', lang: first.lang}, title),
      second.text && second.text !== first.text ? h('p', {class: 'alert__other', lang: second.lang}, second.text) : null,
      details.length ? h('ul', {class: 'alert__details'}, details.map((d) => h('li', {},
        typeof d === 'string' ? d : [
          h('span', {lang: FC.lang}, FC.t(d)),
          d.vi && d.en && d.vi !== d.en
            ? h('span', {class: 'alert__other', lang: FC.lang === 'en' ? 'vi' : 'en'}, ' — ' + (FC.lang === 'en' ? d.vi : d.en)) : null,
        ]))) : null,
    ];
  };

  let shown = null;  // the error in #error, said again on a language switch

  /// Shows a failure in the page's error area (#error, role=alert; data-code = the API's code).
  FC.showError = function showError(err, region) {
    if (err === FC.kStale) return;
    if (err instanceof Error) console.error(err);  // a fault of the page itself
    const el = region || document.getElementById('error');
    if (!el) return;
    FC.replace(el, FC.errorNodes(err instanceof Error ? {status: 0, error: {}} : err));
    el.classList.add('alert--shown');
    if (err && err.error && err.error.code) el.dataset.code = err.error.code; else delete el.dataset.code;
    if (!region) shown = err;
  };

  FC.clearError = function clearError(region) {
    const el = region || document.getElementById('error');
    if (!el) return;
    el.replaceChildren();
    el.classList.remove('alert--shown');
    delete el.dataset.code;
    if (!region) shown = null;
  };

  let said = null;  // what #status says, {vi, en}, said again on a language switch

  /// Says what just worked in #status (role=status: read out politely): {vi, en}; null clears it.
  FC.say = function say(text) {
    said = text || null;
    const el = document.getElementById('status');
    if (el) FC.replace(el, said ? h('p', {}, FC.t(said)) : null);
  };

  document.addEventListener('fc-lang', () => {
    if (shown) FC.showError(shown);
    if (said) FC.say(said);
  });
})(window.FC);
