// The inspector's app: the hash router, the header and one function per screen drawing into <main>.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kSearchDelayMs = 0;        // search as you type at every keystroke: a search takes a few ms, only the latest answer is drawn
  const kSyncPollMs = 250;         // how often a running sync is asked how far it got
  const kRowsPerPage = 200;        // record lists draw this many rows, then "show more"
  const kEstablishmentLimit = 100; // the most establishments one search brings back
  const kRecordsLimit = 500;       // the most records GET /api/inspections answers with
  const kDiscardConfirmMs = 700;   // a draft's discard takes a second press at least this long after the first

  // ---------------------------------------------------------------- state

  let session = null;   // GET /api/session
  let places = null;    // GET /api/places, fetched once
  let standing = null;  // status of GET /api/today, for the header
  let flash = null;     // {vi, en}: what the last action did, said once on the next screen (a discarded draft)

  // The screen on show: `gen` grows at each navigation, so an answer that arrives for a screen
  // the user has left is dropped; `redraw` draws the screen again in the language chosen.
  // `moved`: the user has gone from one screen to another (on the first screen the focus stays at
  // the top of the page, so that the first Tab reaches the skip link).
  const view = {gen: 0, redraw: null, timers: [], moved: false};
  const kStale = Symbol('stale');

  const main = () => document.getElementById('main');

  // ---------------------------------------------------------------- formatting

  const locale = () => (FC.lang === 'en' ? 'en-GB' : 'vi-VN');

  function fmtNumber(n, digits) {
    if (typeof n !== 'number' || !isFinite(n)) return String(n === undefined || n === null ? 0 : n);
    const opts = digits === undefined ? {} : {minimumFractionDigits: digits, maximumFractionDigits: digits};
    return new Intl.NumberFormat(locale(), opts).format(n);
  }

  const fmtMB = (bytes) => fmtNumber((bytes || 0) / (1024 * 1024), 1);

  function fmtBytes(bytes) {
    bytes = bytes || 0;
    if (bytes < 1024) return fmtNumber(bytes) + ' B';
    if (bytes < 1024 * 1024) return fmtNumber(bytes / 1024, 0) + ' KB';
    return fmtMB(bytes) + ' MB';
  }

  /// "1,2/3,4 MB": what is done of a total, both in the total's unit.
  function bytesOf(done, total) {
    done = done || 0;
    if (total >= 1024 * 1024) return fmtMB(done) + '/' + fmtMB(total) + ' MB';
    if (total >= 1024) return fmtNumber(done / 1024, 0) + '/' + fmtNumber(total / 1024, 0) + ' KB';
    return fmtNumber(done) + '/' + fmtNumber(total) + ' B';
  }

  /// A field's value as the API sends it (text, number, yes/no, list, {vi,en} or nothing), as people read it.
  function fmtValue(v) {
    if (v === null || v === undefined || v === '') return S('(trống)', '(empty)');
    if (typeof v === 'boolean') return v ? S('Có', 'Yes') : S('Không', 'No');
    if (typeof v === 'number') return fmtNumber(v);
    if (Array.isArray(v)) return v.map(fmtValue).join(', ');
    if (typeof v === 'object') return ('vi' in v || 'en' in v) ? FC.t(v) : JSON.stringify(v);
    return String(v);
  }

  /// A value the API gives in both languages in one text, "Đang hoạt động / Open" (a choice's label) or
  /// "(đã xoá / deleted)": the half in the language chosen. Also each item of a list of such
  /// ("A / A', B / B'"). Any other text is left as it is.
  function oneLang(text) {
    if (typeof text !== 'string') return text;
    const half = (t) => {
      const parts = t.split(' / ');
      if (parts.length !== 2 || !parts[0].trim() || !parts[1].trim()) return null;
      return (FC.lang === 'en' ? parts[1] : parts[0]).trim();
    };
    const whole = half(text);
    if (whole !== null) {
      const inParens = /^\((.+) \/ (.+)\)$/.exec(text);
      return inParens ? '(' + (FC.lang === 'en' ? inParens[2] : inParens[1]) + ')' : whole;
    }
    const items = text.split(', ');
    if (items.length > 1) {
      const halves = items.map(half);
      if (halves.every((x) => x !== null)) return halves.join(', ');
    }
    return text;
  }

  const enc = encodeURIComponent;
  const recordHref = (ref) => '#/record/' + enc(ref);
  /// A record as the status names it: a link when the name is a record's number, text otherwise.
  const recordRef = (name) => (/^\S+$/.test(name || '') ? h('a', {href: recordHref(name)}, name) : h('strong', {}, name || ''));

  // ---------------------------------------------------------------- shared pieces

  // The same words, colour and icon for a standing everywhere (colour in base.css by code).
  const kStandingIcons = {draft: '✎', finalized: '↑', submitted: '✉\uFE0E', approved: '✓', returned: '↩\uFE0E'};

  function badge(st) {
    if (!st) return null;
    const code = st.code || 'draft';
    return h('span', {class: 'badge badge--' + code},
      h('span', {class: 'badge__icon', 'aria-hidden': 'true'}, kStandingIcons[code] || '•'),
      FC.t(st.label) || code);
  }

  const tag = (text, kind) => h('span', {class: 'tag' + (kind ? ' tag--' + kind : '')}, text);

  /// An error from FC.api in both languages: the one chosen first, then the other; then each detail.
  function errorNodes(err) {
    const e = (err && err.error) || {};
    let vi = e.vi, en = e.en;
    if (err && err.status === 401) {
      vi = 'Phiên làm việc đã hết. Hãy chạy lại lệnh fieldcheck ui.';
      en = 'This session has ended. Run fieldcheck ui again.';
    } else if (!vi && !en) {
      vi = 'Đã có lỗi' + (err && err.status ? ' (' + err.status + ')' : '') + '.';
      en = 'Something went wrong' + (err && err.status ? ' (' + err.status + ')' : '') + '.';
    }
    const first = FC.lang === 'en' ? {text: en || vi, lang: 'en'} : {text: vi || en, lang: 'vi'};
    const second = FC.lang === 'en' ? {text: vi, lang: 'vi'} : {text: en, lang: 'en'};
    const details = (e.details || []).filter(Boolean);
    return [
      h('p', {class: 'alert__title', lang: first.lang}, first.text),
      second.text && second.text !== first.text ? h('p', {class: 'alert__other', lang: second.lang}, second.text) : null,
      details.length ? h('ul', {class: 'alert__details'}, details.map((d) =>
        h('li', {}, typeof d === 'string' ? d : [
          h('span', {lang: FC.lang}, FC.t(d)),
          d.vi && d.en && d.vi !== d.en ? h('span', {class: 'alert__other', lang: FC.lang === 'en' ? 'vi' : 'en'}, ' — ' + (FC.lang === 'en' ? d.vi : d.en)) : null,
        ]))) : null,
    ];
  }

  /// The region a screen shows its errors in (role=alert: read out as soon as it is filled).
  const alertRegion = () => h('div', {class: 'alert', role: 'alert'});

  function showError(region, err) {
    if (!region) return;
    if (err === kStale) return;
    FC.replace(region, errorNodes(err));
    region.fcError = err;  // said again in the other language on a switch
    region.classList.add('alert--shown');
    if (err instanceof Error) console.error(err);  // a fault in the page itself, not an answer from the API
  }

  function clearError(region) {
    if (!region) return;
    region.replaceChildren();
    region.fcError = null;
    region.classList.remove('alert--shown');
  }

  /// A short message that something worked, read out politely.
  const statusRegion = (id) => h('div', {class: 'status-message', role: 'status', id: id || null});

  function say(region, text) {
    FC.replace(region, text ? h('p', {}, text) : null);
  }

  /// A button that does its work asynchronously: marked busy while it runs (aria-disabled, not
  /// `disabled`, so it keeps the keyboard focus), a second press meanwhile ignored, errors to `region`.
  function busy(button, region, work) {
    return async (event) => {
      if (event) event.preventDefault();
      if (button.getAttribute('aria-disabled') === 'true') return;
      button.setAttribute('aria-disabled', 'true');
      clearError(region);
      try {
        await work();
      } catch (err) {
        showError(region, err);
      } finally {
        button.removeAttribute('aria-disabled');
      }
    };
  }

  function go(hash) {
    view.moved = true;
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  /// A table of records (inspections and periodic reports): number, what, standing, when.
  /// Draws at most kRowsPerPage rows, then a button that adds as many again.
  function recordTable(rows, opts) {
    opts = opts || {};
    if (!rows || !rows.length) return h('p', {class: 'empty'}, opts.empty || S('Không có phiếu nào.', 'No records.'));
    const body = h('tbody', {});
    let shown = 0;
    const more = h('button', {type: 'button', class: 'button button--secondary'});
    const addRows = () => {
      const frag = document.createDocumentFragment();
      const end = Math.min(rows.length, shown + kRowsPerPage);
      for (; shown < end; shown++) {
        const r = rows[shown];
        const ref = r.number || r.id;
        const what = r.establishment ? r.establishment.code + ' ' + r.establishment.name : FC.t(r.title);
        frag.append(h('tr', {dataset: {ref}},
          h('td', {class: 'nowrap'}, h('a', {href: recordHref(ref)}, r.number || r.id)),
          h('td', {}, what, r.establishment && r.title ? h('span', {class: 'muted block'}, FC.t(r.title)) : null,
            opts.comments && r.return_comment ? h('span', {class: 'return-comment-inline block'},
              S('Lý do trả lại: ', 'Returned because: '), r.return_comment) : null),
          // "Not sent" goes without saying for a record finalized and waiting to be sent.
          h('td', {}, badge(r.standing), r.unsent && !(r.standing && r.standing.code === 'finalized')
            ? [' ', tag(S('chưa gửi', 'not sent'), 'unsent')] : null),
          h('td', {class: 'nowrap'}, r.updated || '')));
      }
      body.append(frag);
      more.hidden = shown >= rows.length;
      FC.replace(more, S('Hiện thêm ', 'Show ') + fmtNumber(Math.min(kRowsPerPage, rows.length - shown)) +
        S(' phiếu (còn ', ' more (') + fmtNumber(rows.length - shown) + S(')', ' left)'));
    };
    more.addEventListener('click', () => {
      const firstNew = shown;
      addRows();
      const link = body.rows[firstNew] && body.rows[firstNew].querySelector('a');
      if (link) link.focus();
    });
    addRows();
    return h('div', {class: 'table-wrap'},
      h('table', {class: 'table table--records', id: opts.id || null},
        opts.caption ? h('caption', {class: 'visually-hidden'}, opts.caption) : null,
        h('thead', {}, h('tr', {},
          h('th', {scope: 'col', class: 'col-number'}, S('Số phiếu', 'Number')),
          h('th', {scope: 'col', class: 'col-what'}, S('Cơ sở, nội dung', 'Establishment or subject')),
          h('th', {scope: 'col', class: 'col-standing'}, S('Trạng thái', 'Standing')),
          h('th', {scope: 'col', class: 'col-updated'}, S('Cập nhật', 'Updated')))),
        body),
      more);
  }

  const heading = (text) => h('h1', {tabindex: '-1'}, text);

  // ---------------------------------------------------------------- the header

  function drawChrome() {
    document.documentElement.lang = FC.lang;
    const set = (id, vi, en) => { const el = document.getElementById(id); if (el) el.textContent = S(vi, en); };
    set('skip-link', 'Bỏ qua, đến nội dung chính', 'Skip to main content');
    set('nav-today', 'Hôm nay', 'Today');
    set('nav-establishments', 'Cơ sở', 'Establishments');
    set('nav-records', 'Phiếu', 'Records');
    set('nav-review', 'Duyệt', 'Review');
    set('nav-conflicts', 'Xung đột', 'Conflicts');
    set('nav-sync', 'Đồng bộ', 'Sync');
    document.getElementById('app-nav').setAttribute('aria-label', S('Các màn hình', 'Screens'));
    const lang = document.getElementById('lang-switch');
    lang.textContent = FC.lang === 'en' ? 'Tiếng Việt' : 'English';
    lang.setAttribute('lang', FC.lang === 'en' ? 'vi' : 'en');
    lang.setAttribute('aria-label', FC.lang === 'en' ? 'Tiếng Việt: chuyển sang tiếng Việt' : 'English: switch to English');

    const supervisor = !!(session && session.may_review);
    for (const id of ['nav-review', 'nav-conflicts']) document.getElementById(id).parentElement.hidden = !supervisor;

    const who = document.getElementById('who');
    if (session) {
      FC.replace(who,
        h('span', {class: 'visually-hidden'}, S('Người dùng: ', 'User: ')), h('strong', {}, session.user),
        session.district_name ? [' · ', session.district_name] : null,
        session.laptop_number ? h('span', {class: 'muted'}, ' · ' + S('máy số ', 'laptop ') + session.laptop_number) : null);
    }
    drawStanding();
    markNav();
  }

  /// "3 phiếu/hồ sơ", "1 record": what sync counts (pending_changes, total.changes, pushed) are counts of:
  /// records (inspections, reports, establishments' records), each sent whole however many answers changed.
  const recordsCount = (n) => fmtNumber(n || 0) + S(' phiếu/hồ sơ', n === 1 ? ' record' : ' records');

  /// The standing of sync in the header: what waits to be sent and when the laptop last synced.
  function drawStanding(running) {
    const el = document.getElementById('sync-standing');
    if (!standing) { el.replaceChildren(); return; }
    const pending = standing.pending_changes || 0;
    const uploads = standing.pending_uploads || 0;
    const refused = (standing.refused || []).length + (standing.refused_uploads || []).length;
    FC.replace(el,
      running ? tag(S('Đang đồng bộ…', 'Syncing…'), 'running')
        : pending || uploads
          ? tag(S('Chờ gửi: ', '') + [pending ? recordsCount(pending) : null,
                uploads ? fmtNumber(uploads) + S(' ảnh', uploads === 1 ? ' photo' : ' photos') : null].filter(Boolean).join(', ') +
                S('', ' waiting to be sent'), 'unsent')
          : tag(S('Đã gửi hết', 'All sent'), 'sent'),
      refused ? [' ', tag(S('Bị từ chối: ', 'Refused: ') + fmtNumber(refused), 'refused')] : null,
      standing.clock_warning ? [' ', tag(S('Đồng hồ lệch', 'Clock off'), 'refused')] : null,
      h('span', {class: 'app-header__last'}, ' ' + S('Đồng bộ lần cuối: ', 'Last sync: ') +
        (standing.last_sync ? FC.t(standing.last_sync) : S('chưa lần nào', 'never'))));
  }

  /// After something was saved: the header's count of what waits, asked again once saving pauses.
  let standingTimer = null;
  function standingChanged() {
    clearTimeout(standingTimer);
    standingTimer = setTimeout(refreshStanding, 400);
  }

  async function refreshStanding() {
    try {
      const today = await FC.api('GET', '/api/today');
      standing = today.status;
      drawStanding();
    } catch (e) { /* the screen itself says what failed */ }
  }

  function markNav() {
    const section = (location.hash.replace(/^#\/?/, '').split(/[/?]/)[0]) || 'today';
    const of = {today: 'today', establishments: 'establishments', establishment: 'establishments', records: 'records',
      record: 'records', review: 'review', conflicts: 'conflicts', conflict: 'conflicts', sync: 'sync'};
    for (const a of document.querySelectorAll('#app-nav a')) {
      if (a.id === 'nav-' + of[section]) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
  }

  // ---------------------------------------------------------------- the router

  /// Everything a screen function gets: its parameters and how to fetch and draw without
  /// drawing over a screen the user has gone to since.
  function makeContext(gen, params, query) {
    const ctx = {
      params, query,
      get live() { return gen === view.gen; },
      async load(method, path, body, type) {
        const data = await FC.api(method, path, body, type);
        if (gen !== view.gen) throw kStale;
        return data;
      },
      /// Draws the screen with `draw` (a function returning nodes) and again on each language switch.
      draw(draw, focusSelector) {
        if (gen !== view.gen) return;
        const paint = (first) => {
          FC.replace(main(), draw());
          const h1 = main().querySelector('h1');
          if (h1) document.title = h1.textContent + ' — Fieldcheck';
          if (first && view.moved) focusIn(focusSelector);
        };
        view.redraw = () => paint(false);
        paint(true);
      },
      later(fn, ms) {
        const id = setTimeout(() => { if (gen === view.gen) fn(); }, ms);
        view.timers.push(id);
        return id;
      },
    };
    return ctx;
  }

  function focusIn(selector) {
    const el = (selector && main().querySelector(selector)) || main().querySelector('h1') || main();
    el.focus({preventScroll: false});
    window.scrollTo(0, 0);
  }

  const routes = [
    [/^today$/, screenToday],
    [/^establishments$/, screenEstablishments],
    [/^establishment\/([^/]+)$/, screenEstablishment],
    [/^records$/, screenRecords],
    [/^record\/([^/]+)$/, screenRecord],
    [/^record\/([^/]+)\/history$/, screenHistory],
    [/^establishment\/([^/]+)\/history$/, screenHistory],
    [/^record\/([^/]+)\/print$/, screenPrint],
    [/^review$/, screenReview],
    [/^conflicts$/, screenConflicts],
    [/^conflict\/([^/]+)$/, screenConflict],
    [/^sync$/, screenSync],
  ];

  async function route() {
    const hash = location.hash.replace(/^#\/?/, '');
    if (hash === 'main') return;  // the skip link without script
    const [path, queryText] = hash.split('?');
    const query = new URLSearchParams(queryText || '');
    const gen = ++view.gen;
    for (const id of view.timers) clearTimeout(id);
    view.timers = [];
    view.redraw = null;
    markNav();
    let screen = screenNotFound, params = [];
    for (const [pattern, fn] of routes) {
      const m = (path || 'today').match(pattern);
      if (m) {
        screen = fn;
        params = m.slice(1).map((p) => { try { return decodeURIComponent(p); } catch (e) { return p; } });
        break;
      }
    }
    const ctx = makeContext(gen, params, query);
    main().setAttribute('aria-busy', 'true');
    try {
      await screen(ctx);
    } catch (err) {
      if (err !== kStale && gen === view.gen) {
        const region = alertRegion();
        ctx.draw(() => [heading(S('Không mở được màn hình này', 'This screen could not open')), region,
          h('p', {}, h('a', {href: '#/today'}, S('Về màn hình Hôm nay', 'Back to Today')))]);
        showError(region, err);
      }
    } finally {
      if (gen === view.gen) main().removeAttribute('aria-busy');
    }
    if (path !== 'sync' && path !== 'today' && path) refreshStanding();
  }

  function screenNotFound(ctx) {
    ctx.draw(() => [heading(S('Không có màn hình này', 'No such screen')),
      h('p', {}, h('a', {href: '#/today'}, S('Về màn hình Hôm nay', 'Back to Today')))]);
  }

  // ---------------------------------------------------------------- Today

  async function screenToday(ctx) {
    const data = await ctx.load('GET', '/api/today');
    standing = data.status;
    drawStanding();
    ctx.draw(() => {
      const st = data.status || {};
      const supervisor = !!(session && session.may_review);
      const tiles = [
        [S('Nháp', 'Drafts'), st.drafts, '#/records?status=draft'],
        [S('Đã hoàn tất, chờ gửi', 'Finalized, waiting to be sent'), st.finalized, '#/records?status=finalized'],
        [S('Bị trả lại', 'Returned'), st.returned, '#/records?status=returned'],
        [S('Phiếu/hồ sơ chờ gửi', 'Records waiting to be sent'), st.pending_changes, '#/sync'],
        [S('Ảnh chưa gửi', 'Photos not sent'), st.pending_uploads, '#/sync'],
      ];
      const refused = st.refused || [], refusedUploads = st.refused_uploads || [];
      const waiting = st.waiting || [], outside = st.outside || [];
      return [
        heading(S('Hôm nay', 'Today')),
        st.clock_warning ? h('div', {class: 'notice notice--warning'},
          h('h2', {class: 'notice__title'}, S('Đồng hồ máy này bị lệch', 'This laptop\'s clock is off')),
          h('p', {}, FC.t(st.clock_warning))) : null,
        h('dl', {class: 'tiles'}, tiles.map(([label, n, href]) =>
          h('div', {class: 'tile'}, h('dt', {}, label), h('dd', {}, h('a', {href, class: 'tile__link', 'aria-label': label + ': ' + fmtNumber(n || 0)}, fmtNumber(n || 0)))))),
        h('p', {class: 'muted'},
          st.server ? S('Máy chủ: ', 'Server: ') + st.server : S('Chưa nối với máy chủ tỉnh (gửi qua USB).', 'Not linked to the provincial server (send by USB).'),
          ' · ', S('Đồng bộ lần cuối: ', 'Last sync: '), st.last_sync ? FC.t(st.last_sync) : S('chưa lần nào', 'never')),
        h('p', {}, h('a', {class: 'button button--primary', href: '#/establishments'},
          S('Tìm cơ sở để kiểm tra', 'Find an establishment to inspect')),
        ' ', h('a', {class: 'button button--secondary', href: '#/sync?start=1', id: 'today-sync'}, S('Đồng bộ ngay', 'Sync now'))),

        data.returned && data.returned.length ? h('section', {class: 'section section--returned'},
          h('h2', {}, S('Bị trả lại — cần sửa', 'Returned — to correct')),
          recordTable(data.returned, {comments: true})) : null,

        refused.length || refusedUploads.length ? h('section', {class: 'section'},
          h('h2', {}, S('Máy chủ đã từ chối', 'Refused by the server')),
          h('ul', {class: 'reasons'},
            refused.map((r) => h('li', {}, recordRef(r.record), ': ', FC.t(r.reason))),
            refusedUploads.map((u) => h('li', {}, S('Ảnh ', 'Photo '), h('strong', {}, u.name), ': ', FC.t(u.reason))))) : null,

        waiting.length ? h('section', {class: 'section'},
          h('h2', {}, S('Sửa đổi của bạn bị gác lại khi hợp nhất', 'Your edits set aside by a merge')),
          h('p', {class: 'muted'}, S('Giám sát viên sẽ quyết định giữ giá trị nào.', 'A supervisor will decide which value stands.')),
          h('ul', {class: 'reasons'}, waiting.map((w) => h('li', {},
            recordRef(w.record), ' — ', FC.t(w.field), ': ',
            S('bạn ghi ', 'you wrote '), h('strong', {}, fmtValue(w.mine)), S(', đang áp dụng ', ', applied: '),
            h('strong', {}, fmtValue(w.applied)), w.by ? S(' (của ', ' (by ') + w.by + ')' : '')))) : null,

        outside.length ? h('section', {class: 'section'},
          h('h2', {}, S('Ngoài địa bàn của bạn', 'Outside your district')),
          h('ul', {class: 'reasons'}, outside.map((t) => h('li', {}, FC.t(t))))) : null,

        h('section', {class: 'section'},
          h('h2', {}, S('Nháp', 'Drafts')),
          recordTable(data.drafts, {empty: S('Không có phiếu nháp.', 'No drafts.')})),
        h('section', {class: 'section'},
          h('h2', {}, S('Chờ gửi', 'Waiting to be sent')),
          recordTable(data.waiting_to_send, {empty: S('Không có gì chờ gửi.', 'Nothing waits to be sent.')})),

        supervisor ? h('section', {class: 'section'},
          h('h2', {}, S('Chờ duyệt', 'Waiting for review')),
          recordTable(data.review_queue, {empty: S('Không có phiếu chờ duyệt.', 'Nothing waits for review.')})) : null,
        supervisor ? h('section', {class: 'section'},
          h('h2', {}, S('Xung đột chờ quyết định', 'Conflicts waiting for a decision')),
          conflictTable(data.conflicts)) : null,
      ];
    });
  }

  // ---------------------------------------------------------------- Establishments

  async function loadPlaces(ctx) {
    if (!places) places = await ctx.load('GET', '/api/places');
    return places;
  }

  async function screenEstablishments(ctx) {
    const state = {
      q: ctx.query.get('q') || '',
      district: ctx.query.get('district') || '',
      commune: ctx.query.get('commune') || '',
      result: null,
      seq: 0,
      timer: null,
    };
    const districts = (await loadPlaces(ctx)).districts || [];
    const region = alertRegion();
    let input, districtSelect, communeSelect, tbody, count;

    const communesOf = (code) => {
      const d = districts.find((x) => x.code === code);
      return d ? d.communes || [] : [];
    };

    function keepInHash() {
      const p = new URLSearchParams();
      if (state.q) p.set('q', state.q);
      if (state.district) p.set('district', state.district);
      if (state.commune) p.set('commune', state.commune);
      const text = p.toString();
      history.replaceState(null, '', '#/establishments' + (text ? '?' + text : ''));
    }

    // Only the answer to the latest request is drawn: an older one arriving late is dropped.
    async function search() {
      const seq = ++state.seq;
      keepInHash();
      const p = new URLSearchParams({q: state.q, limit: String(kEstablishmentLimit)});
      if (state.district) p.set('district', state.district);
      if (state.commune) p.set('commune', state.commune);
      try {
        const result = await ctx.load('GET', '/api/establishments?' + p.toString());
        if (seq !== state.seq) return;
        clearError(region);
        state.result = result;
        drawResults();
      } catch (err) {
        if (seq === state.seq) showError(region, err);
      }
    }

    function drawResults() {
      const r = state.result;
      if (!r || !tbody) return;
      const frag = document.createDocumentFragment();
      for (const e of r.items || []) {
        frag.append(h('tr', {dataset: {code: e.code}},
          h('td', {class: 'nowrap'}, h('a', {href: '#/establishment/' + enc(e.code || e.id), tabindex: '-1'}, e.code)),
          // The name is the link people look for; the code's link is for the mouse only (one Tab stop a row).
          h('td', {}, h('a', {href: '#/establishment/' + enc(e.code || e.id), class: 'result-name'}, e.name),
            e.address ? h('span', {class: 'muted block'}, e.address) : null),
          h('td', {}, FC.t(e.kind)),
          h('td', {}, e.district_name || e.district || ''),
          h('td', {}, e.commune_name || e.commune || ''),
          h('td', {}, FC.t(e.status))));
      }
      if (!(r.items || []).length) {
        frag.append(h('tr', {}, h('td', {colspan: '6', class: 'empty'},
          S('Không tìm thấy cơ sở nào. Thử gõ ít chữ hơn, có dấu hay không dấu đều được.',
            'No establishment found. Try fewer letters; accents are optional.'))));
      }
      tbody.replaceChildren(frag);
      const shown = (r.items || []).length, total = r.total || 0;
      count.textContent = shown < total
        ? S('Hiện ', 'Showing ') + fmtNumber(shown) + S(' trong ', ' of ') + fmtNumber(total) +
          S(' cơ sở. Gõ thêm để thu hẹp.', ' establishments. Type more to narrow the list.')
        : fmtNumber(total) + S(' cơ sở', total === 1 ? ' establishment' : ' establishments');
    }

    function communeOptions() {
      const none = h('option', {value: ''}, S('Tất cả xã', 'All communes'));
      if (state.district) {
        return [none, communesOf(state.district).map((c) =>
          h('option', {value: c.code, selected: c.code === state.commune}, c.name))];
      }
      return [none, districts.map((d) => h('optgroup', {label: d.name}, (d.communes || []).map((c) =>
        h('option', {value: c.code, selected: c.code === state.commune}, c.name))))];
    }

    const draw = () => {
      input = h('input', {type: 'search', id: 'search', name: 'q', class: 'input input--wide', value: state.q,
        autocomplete: 'off', spellcheck: 'false', 'aria-controls': 'results', 'aria-describedby': 'search-hint'});
      input.addEventListener('input', () => {
        state.q = input.value;
        clearTimeout(state.timer);
        state.timer = ctx.later(search, kSearchDelayMs);
      });
      districtSelect = h('select', {id: 'district', name: 'district', class: 'select'},
        h('option', {value: ''}, S('Tất cả huyện', 'All districts')),
        districts.map((d) => h('option', {value: d.code, selected: d.code === state.district}, d.name)));
      districtSelect.addEventListener('change', () => {
        state.district = districtSelect.value;
        if (state.commune && !communesOf(state.district).some((c) => c.code === state.commune)) state.commune = '';
        FC.replace(communeSelect, communeOptions());
        search();
      });
      communeSelect = h('select', {id: 'commune', name: 'commune', class: 'select'}, communeOptions());
      communeSelect.addEventListener('change', () => {
        state.commune = communeSelect.value;
        if (state.commune && !state.district) {
          const d = districts.find((x) => (x.communes || []).some((c) => c.code === state.commune));
          if (d) { state.district = d.code; districtSelect.value = d.code; FC.replace(communeSelect, communeOptions()); }
        }
        search();
      });
      // Enter searches at once; when exactly one establishment answers, it opens.
      const form = h('form', {class: 'filters', role: 'search', onsubmit: async (e) => {
        e.preventDefault();
        clearTimeout(state.timer);
        state.q = input.value;
        await search();
        const r = state.result;
        if (ctx.live && r && r.total === 1 && (r.items || []).length === 1 && document.activeElement === input) {
          go('#/establishment/' + enc(r.items[0].code || r.items[0].id));
        }
      }},
        h('div', {class: 'field field--grow'},
          h('label', {for: 'search', class: 'label'}, S('Tìm cơ sở', 'Find an establishment')),
          h('p', {class: 'hint', id: 'search-hint'}, S('Mã, tên, chủ hoặc địa chỉ; có dấu hay không dấu đều được.',
            'Code, name, owner or address; accents are optional.')),
          input),
        h('div', {class: 'field'}, h('label', {for: 'district', class: 'label'}, S('Huyện, thành phố', 'District')), districtSelect),
        h('div', {class: 'field'}, h('label', {for: 'commune', class: 'label'}, S('Xã, phường, thị trấn', 'Commune')), communeSelect));
      count = h('p', {class: 'count', id: 'results-count', role: 'status'});
      tbody = h('tbody', {});
      tbody.addEventListener('click', (e) => {
        if (e.target.closest('a')) return;
        const tr = e.target.closest('tr[data-code]');
        if (tr) go('#/establishment/' + enc(tr.dataset.code));
      });
      const table = h('div', {class: 'table-wrap'}, h('table', {class: 'table table--rows-link', id: 'results', 'aria-describedby': 'results-count'},
        h('thead', {}, h('tr', {},
          h('th', {scope: 'col'}, S('Mã', 'Code')),
          h('th', {scope: 'col'}, S('Tên cơ sở', 'Name')),
          h('th', {scope: 'col'}, S('Loại hình', 'Kind')),
          h('th', {scope: 'col'}, S('Huyện', 'District')),
          h('th', {scope: 'col'}, S('Xã, phường', 'Commune')),
          h('th', {scope: 'col'}, S('Tình trạng', 'Status')))),
        tbody));
      drawResults();
      return [heading(S('Cơ sở', 'Establishments')), region, form, count, table];
    };
    ctx.draw(draw);
    await search();
  }

  // ---------------------------------------------------------------- Establishment

  async function screenEstablishment(ctx) {
    const ref = ctx.params[0];
    let data = await ctx.load('GET', '/api/establishments/' + enc(ref));
    const districts = (await loadPlaces(ctx)).districts || [];
    const region = alertRegion();
    const saved = statusRegion();
    const state = {open: false, typed: {}, faults: null};
    const fieldId = (f) => f.id || f.field || f.name;
    // District and commune are stored as codes but shown and chosen by name: their labels lose "(mã)".
    const isPlace = (f) => (fieldId(f) === 'district' || fieldId(f) === 'commune') && districts.length > 0;
    const labelIn = (f, lang) => {
      const text = (f.label && (typeof f.label === 'string' ? f.label : f.label[lang])) || fieldId(f) || '';
      return isPlace(f) ? text.replace(/\s*\((mã|code)\)\s*$/i, '') : text;
    };
    const labelOf = (f) => labelIn(f, FC.lang) || labelIn(f, FC.lang === 'en' ? 'vi' : 'en');
    const placeName = (f) => {
      const code = f.input || '';
      if (!code || !isPlace(f)) return null;
      if (fieldId(f) === 'district') return (districts.find((d) => d.code === code) || {}).name || null;
      for (const d of districts) {
        const c = (d.communes || []).find((x) => x.code === code);
        if (c) return c.name;
      }
      return null;
    };

    /// The 422's details, each given to the field whose label its text names (the longest label
    /// that matches, so "Tên chủ cơ sở" wins over "Tên"): {FIELD: [detail, ...]}.
    function faultsByField(fields, err) {
      const out = {};
      const details = (err && err.error && err.error.details) || [];
      for (const d of details) {
        if (!d || typeof d === 'string') continue;
        let best = null, bestLength = 0;
        for (const f of fields) {
          for (const lang of ['vi', 'en']) {
            const line = (d[lang] || '').toLocaleLowerCase();
            for (const label of new Set([labelIn(f, lang), (f.label && f.label[lang]) || ''])) {
              const l = label.trim().toLocaleLowerCase();
              if (l && line.includes(l) && l.length > bestLength) { best = f; bestLength = l.length; }
            }
          }
        }
        if (best) (out[fieldId(best)] = out[fieldId(best)] || []).push(d);
      }
      return out;
    }

    const draw = () => {
      const fields = data.fields || [];
      const faults = h('div', {class: 'error-summary', tabindex: '-1', role: 'alert', hidden: !state.faults});
      const byField = faultsByField(fields, state.faults);
      if (state.faults) {
        // The summary: the service's message, then each fault, a link to its field when it names one.
        const e = state.faults.error || {};
        const placed = new Map();
        for (const [name, list] of Object.entries(byField)) for (const d of list) placed.set(d, name);
        const details = (e.details || []).filter(Boolean);
        // The service's message is the title (said once, in the language chosen), its faults below.
        FC.replace(faults,
          h('h2', {class: 'error-summary__title'}, FC.t(e) || S('Chưa lưu: có giá trị không hợp lệ.', 'Not saved: some values are not valid.')),
          details.length ? h('ul', {class: 'error-summary__list'}, details.map((d) => {
            const text = typeof d === 'string' ? d : FC.t(d);
            const name = placed.get(d);
            return h('li', {}, name ? h('a', {href: '#fix-' + name, dataset: {field: 'fix-' + name}}, text) : text);
          })) : null);
        faults.addEventListener('click', (ev) => {
          const a = ev.target.closest('a[data-field]');
          if (!a) return;
          ev.preventDefault();
          const el = document.getElementById(a.dataset.field);
          if (el) { el.scrollIntoView({block: 'center'}); el.focus({preventScroll: true}); }
        });
      }

      // District and commune are codes: chosen from the places by name, the commune among the district's.
      const valueOf = (name) => {
        const f = fields.find((x) => fieldId(x) === name);
        const id = 'fix-' + name;
        return id in state.typed ? state.typed[id] : (f ? f.input || '' : '');
      };
      const placeOptions = (name, value) => {
        let list = name === 'district' ? districts : ((districts.find((d) => d.code === valueOf('district')) || {}).communes || []);
        if (value && !list.some((p) => p.code === value)) list = [{code: value, name: value}].concat(list);
        return [h('option', {value: ''}, S('(chưa chọn)', '(none)')),
          list.map((p) => h('option', {value: p.code, selected: p.code === value}, p.name))];
      };
      // A field the server marks `editable: false` is not offered for correction.
      const inputs = fields.filter((f) => f.editable !== false).map((f) => {
        const id = 'fix-' + fieldId(f);
        const mine = byField[fieldId(f)] || [];
        const value = id in state.typed ? state.typed[id] : (f.input || '');
        let control;
        if ((fieldId(f) === 'district' || fieldId(f) === 'commune') && districts.length) {
          control = h('select', {id, class: 'select', name: fieldId(f)}, placeOptions(fieldId(f), value));
          if (fieldId(f) === 'district') {
            control.addEventListener('change', () => {
              const commune = document.getElementById('fix-commune');
              if (!commune) return;
              const keep = commune.value;
              FC.replace(commune, placeOptions('commune', ''));
              commune.value = [...commune.options].some((o) => o.value === keep) ? keep : '';
              state.typed['fix-commune'] = commune.value;
            });
          }
        } else if (f.choices && f.choices.length) {
          control = h('select', {id, class: 'select', name: fieldId(f)},
            f.required ? null : h('option', {value: ''}, S('(trống)', '(empty)')),
            f.choices.map((c) => h('option', {value: c.code, selected: c.code === value}, FC.t(c.label))));
        } else {
          control = h('input', {id, class: 'input', name: fieldId(f), type: 'text', value,
            inputmode: f.type === 'integer' || f.type === 'decimal' ? 'decimal' : null, autocomplete: 'off'});
        }
        control.dataset.original = f.input || '';
        const describedBy = [f.hint ? id + '-hint' : null, mine.length ? id + '-error' : null].filter(Boolean).join(' ');
        if (describedBy) control.setAttribute('aria-describedby', describedBy);
        if (mine.length) control.setAttribute('aria-invalid', 'true');
        control.addEventListener('input', () => { state.typed[id] = control.value; });
        control.addEventListener('change', () => { state.typed[id] = control.value; });
        // Its faults beside it, under the label and hint (GOV.UK): in the language chosen, once each.
        // The label is just above: a message starting with it ("“Số người lao động”: ...") loses it here.
        const label = labelOf(f);
        const withoutLabel = (text) => {
          for (const l of [label, FC.t(f.label)]) {
            for (const [open, close] of [['“', '”'], ['"', '"'], ['', '']]) {
              const prefix = open + l + close + ':';
              if (l && text.startsWith(prefix) && text.length > prefix.length) {
                const rest = text.slice(prefix.length).trim();
                return rest.charAt(0).toLocaleUpperCase() + rest.slice(1);
              }
            }
          }
          return text;
        };
        const messages = [...new Set(mine.map((d) => withoutLabel(typeof d === 'string' ? d : FC.t(d))))];
        return h('div', {class: 'field' + (mine.length ? ' field--error' : '')},
          h('label', {for: id, class: 'label'}, labelOf(f)),
          f.hint ? h('p', {class: 'hint', id: id + '-hint'}, FC.t(f.hint)) : null,
          mine.length ? h('p', {class: 'error-message', id: id + '-error'},
            h('span', {class: 'visually-hidden'}, S('Lỗi: ', 'Error: ')), messages.join(' ')) : null,
          control);
      });

      const saveButton = h('button', {type: 'submit', class: 'button button--secondary'}, S('Lưu thay đổi', 'Save the changes'));
      const form = h('form', {class: 'correct-form', novalidate: true}, faults, h('div', {class: 'correct-form__fields'}, inputs),
        h('div', {class: 'actions'}, saveButton));
      form.addEventListener('submit', busy(saveButton, region, async () => {
        const changes = {};
        for (const el of form.querySelectorAll('input, select')) {
          if (el.value !== el.dataset.original) changes[el.name] = el.value;
        }
        if (!Object.keys(changes).length) {
          state.faults = null;
          faults.hidden = true;
          say(saved, S('Không có gì thay đổi để lưu.', 'Nothing changed to save.'));
          return;
        }
        say(saved, '');
        try {
          data = await ctx.load('POST', '/api/establishments/' + enc(ref), {changes});
        } catch (err) {
          if (err && err.status === 422) {
            state.faults = err;
            view.redraw();
            const box = main().querySelector('.error-summary');
            if (box) box.focus();
            return;
          }
          throw err;
        }
        state.faults = null;
        state.typed = {};
        view.redraw();
        say(saved, S('Đã lưu. Thay đổi sẽ được gửi lần đồng bộ sau.', 'Saved. The changes go with the next sync.'));
        standingChanged();
        const s = main().querySelector('summary');
        if (s) s.focus();
      }));

      const details = h('details', {class: 'correct', open: state.open},
        h('summary', {}, S('Sửa thông tin cơ sở', 'Correct the establishment\'s record')),
        h('p', {class: 'hint'}, S('Sửa theo thực tế khi đến kiểm tra. Nếu có giá trị sai, không có gì được lưu.',
          'Correct it as found on the visit. If a value is wrong, nothing is saved.')),
        form);
      details.addEventListener('toggle', () => { state.open = details.open; });

      const start = h('button', {type: 'button', id: 'start-inspection', class: 'button button--primary'},
        S('Bắt đầu kiểm tra', 'Start an inspection'));
      start.addEventListener('click', busy(start, region, async () => {
        const form = await ctx.load('POST', '/api/inspections', {establishment: data.code || data.id});
        go(recordHref(form.number || form.id));
      }));

      return [
        h('p', {class: 'breadcrumb'}, h('a', {href: '#/establishments'}, S('← Danh sách cơ sở', '← Establishments'))),
        heading((data.code ? data.code + ' ' : '') + data.name),
        data.district_name || data.commune_name ? h('p', {class: 'muted'}, [data.commune_name, data.district_name].filter(Boolean).join(', ')) : null,
        region,
        h('p', {}, start),
        h('dl', {class: 'summary-list'}, fields.map((f) => {
          // A choice by its label in the language chosen (the core's `shown` gives both).
          const choice = (f.choices || []).find((c) => c.code === f.input);
          return h('div', {class: 'summary-list__row'},
            h('dt', {}, labelOf(f)), h('dd', {}, choice ? FC.t(choice.label) : placeName(f) || oneLang(f.shown) || h('span', {class: 'muted'}, '—')));
        })),
        saved,
        details,
        h('p', {}, h('a', {href: '#/establishment/' + enc(data.code || data.id) + '/history'}, S('Lịch sử sửa hồ sơ cơ sở', 'History of the record\'s corrections'))),
        h('section', {class: 'section'},
          h('h2', {}, S('Các lần kiểm tra trên máy này', 'Its inspections on this laptop')),
          recordTable(data.records, {empty: S('Chưa có lần kiểm tra nào.', 'No inspection yet.'), comments: true})),
      ];
    };
    ctx.draw(draw);
  }

  // ---------------------------------------------------------------- Record

  async function screenRecord(ctx) {
    const ref = ctx.params[0];
    let form = await ctx.load('GET', '/api/inspections/' + enc(ref));
    const region = alertRegion();
    const top = h('div', {class: 'record-head'});
    const links = h('div', {class: 'record-links'});
    const reviewBox = h('div', {});
    const formHost = h('div', {class: 'form-host'});
    const discardBox = h('section', {class: 'discard no-print', 'aria-labelledby': 'discard-title'});
    const discardRegion = alertRegion();
    const state = {discardArmedAt: null, comment: '', returning: false};

    // The same container each time: form.js keeps its state (typed text, photos) per container.
    const renderQuestions = (resume) => {
      if (!ctx.live) return;
      if (typeof FC.renderForm !== 'function') {
        FC.replace(formHost, h('p', {class: 'notice'}, S('Không hiện được câu hỏi (thiếu form.js).', 'The questions cannot be shown (form.js is missing).')));
        return;
      }
      try {
        FC.renderForm(formHost, form, {ref: form.number || ref, resume: !!resume, onForm: (f) => { form = f; drawMine(); standingChanged(); }});
      } catch (err) {
        console.error('FC.renderForm failed', err);  // form.js's own fault: the rest of the screen still works
      }
    };

    function drawTop() {
      const est = form.establishment;
      FC.replace(top,
        h('p', {class: 'breadcrumb'}, est
          ? h('a', {href: '#/establishment/' + enc(est.code)}, '← ' + est.code + ' ' + est.name)
          : h('a', {href: '#/records'}, S('← Danh sách phiếu', '← Records'))),
        // Named as people say it: the number and the establishment; a periodic report by its title.
        h('h1', {tabindex: '-1'}, (form.number ? form.number + ' · ' : '') + (est ? est.code + ' ' + est.name : FC.t(form.title))),
        est ? h('p', {class: 'record-head__kind muted'}, FC.t(form.title)) : null,
        h('p', {class: 'record-head__meta'},
          badge(form.standing),
          form.unsent && !(form.standing && form.standing.code === 'finalized') ? [' ', tag(S('chưa gửi', 'not sent'), 'unsent')] : null,
          est && est.district_name ? [' ', h('span', {}, est.district_name)] : null),
        form.return_comment ? h('div', {class: 'notice notice--returned', role: 'note'},
          h('h2', {class: 'notice__title'}, S('Giám sát viên trả lại phiếu này', 'A supervisor returned this record')),
          h('p', {class: 'notice__quote'}, form.return_comment),
          h('p', {class: 'hint'}, S('Sửa theo góp ý rồi hoàn tất lại.', 'Correct it as asked, then finalize again.'))) : null);
      document.title = top.querySelector('h1').textContent + ' — Fieldcheck';
    }

    function drawLinks() {
      const r = enc(form.number || ref);
      drawDiscard();
      const code = form.standing && form.standing.code;
      let toReview = null;
      if (form.may_review && (code === 'finalized' || code === 'submitted')) {
        toReview = h('button', {type: 'button', class: 'button button--quiet'}, S('Tới phần duyệt ↓', 'Go to the review ↓'));
        toReview.addEventListener('click', () => {
          const box = document.getElementById('review-comment');
          if (box) { box.scrollIntoView({block: 'center'}); box.focus({preventScroll: true}); }
        });
      }
      FC.replace(links,
        toReview,
        h('a', {href: '#/record/' + r + '/history'}, S('Lịch sử', 'History')),
        h('a', {href: '#/record/' + r + '/print'}, S('In biên bản', 'Print')));
    }

    // Discarding a draft: at the bottom of the screen, after the questions, in two presses. The
    // second press counts only when it comes more than kDiscardConfirmMs after the first, so a
    // double-click arms it and no more.
    function drawDiscard() {
      const isDraft = form.standing && (form.standing.code === 'draft' || form.standing.code === 'returned') && form.editable !== false;
      if (!isDraft) { discardBox.replaceChildren(); return; }
      const armed = state.discardArmedAt !== null;
      const button = h('button', {type: 'button', id: 'discard', class: 'button ' + (armed ? 'button--danger' : 'button--secondary')},
        armed ? S('Bấm lần nữa để huỷ hẳn phiếu nháp', 'Press again to discard the draft for good') : S('Huỷ phiếu nháp', 'Discard draft'));
      button.addEventListener('click', busy(button, discardRegion, async () => {
        if (!armed) {
          state.discardArmedAt = performance.now();
          drawDiscard();
          document.getElementById('discard').focus();
          return;
        }
        if (performance.now() - state.discardArmedAt <= kDiscardConfirmMs) return;  // the second click of a double-click
        const number = form.number || ref;
        await ctx.load('POST', '/api/inspections/' + enc(number) + '/discard', {});
        flash = {vi: 'Đã huỷ phiếu nháp ' + number + '.', en: 'Draft ' + number + ' discarded.'};
        standingChanged();
        go('#/records');
      }));
      let keep = null;
      if (armed) {
        keep = h('button', {type: 'button', class: 'button button--quiet', id: 'discard-keep'}, S('Không huỷ', 'Keep it'));
        keep.addEventListener('click', () => { state.discardArmedAt = null; drawDiscard(); document.getElementById('discard').focus(); });
      }
      FC.replace(discardBox,
        h('h2', {class: 'discard__title', id: 'discard-title'}, S('Huỷ phiếu nháp', 'Discard the draft')),
        h('p', {class: 'hint', id: 'discard-hint'}, armed
          ? S('Mọi câu trả lời của phiếu này sẽ bị xoá khỏi máy và không lấy lại được.', 'Every answer of this record will be deleted from this laptop and cannot be brought back.')
          : S('Chỉ huỷ khi phiếu này được mở nhầm: mọi câu trả lời sẽ bị xoá.', 'Only if this record was opened by mistake: every answer is deleted.')),
        discardRegion,
        h('p', {class: 'discard__actions'}, button, keep));
      button.setAttribute('aria-describedby', 'discard-hint');
    }

    function drawReview() {
      const code = form.standing && form.standing.code;
      if (!(form.may_review && (code === 'finalized' || code === 'submitted'))) { reviewBox.replaceChildren(); return; }
      const faults = h('p', {class: 'error-message', id: 'review-comment-error', hidden: !state.commentMissing},
        S('Hãy viết lý do trả lại để người kiểm tra biết cần sửa gì.', 'Write why you return it, so the inspector knows what to correct.'));
      const comment = h('textarea', {id: 'review-comment', class: 'textarea', rows: '3', name: 'comment',
        'aria-describedby': 'review-comment-hint' + (state.commentMissing ? ' review-comment-error' : ''),
        'aria-invalid': state.commentMissing ? 'true' : null});
      comment.value = state.comment;
      comment.addEventListener('input', () => { state.comment = comment.value; });
      const approve = h('button', {type: 'button', id: 'review-approve', class: 'button button--primary'}, S('Duyệt', 'Approve'));
      const giveBack = h('button', {type: 'button', id: 'review-return', class: 'button button--secondary'}, S('Trả lại', 'Return'));
      const review = async (body) => {
        form = await ctx.load('POST', '/api/inspections/' + enc(form.number || ref) + '/review', body);
        state.comment = '';
        state.commentMissing = false;
        drawMine();
        standingChanged();
        renderQuestions();
        const h1 = top.querySelector('h1');
        if (h1) h1.focus();
      };
      approve.addEventListener('click', busy(approve, region, () => review({approve: true})));
      giveBack.addEventListener('click', busy(giveBack, region, async () => {
        if (!comment.value.trim()) {
          state.commentMissing = true;
          drawReview();
          document.getElementById('review-comment').focus();
          return;
        }
        await review({approve: false, comment: comment.value.trim()});
      }));
      FC.replace(reviewBox, h('section', {class: 'review-box', 'aria-labelledby': 'review-title'},
        h('h2', {id: 'review-title'}, S('Duyệt phiếu', 'Review')),
        h('div', {class: 'field' + (state.commentMissing ? ' field--error' : '')},
          h('label', {for: 'review-comment', class: 'label'}, S('Nhận xét (bắt buộc khi trả lại)', 'Comment (required to return it)')),
          h('p', {class: 'hint', id: 'review-comment-hint'}, S('Người kiểm tra sẽ thấy nhận xét này khi phiếu bị trả lại.', 'The inspector sees this comment when the record is returned.')),
          faults, comment),
        h('div', {class: 'actions'}, approve, giveBack)));
    }

    function drawMine() {
      drawTop();
      drawLinks();
      drawReview();
    }

    drawMine();
    ctx.draw(() => [top, region, links, formHost, reviewBox, discardBox]);
    // A draft resumes at the first question not answered; a returned record opens at the top, on
    // the supervisor's comment, and a reviewer starts at the top too.
    renderQuestions(!!form.standing && form.standing.code === 'draft');
    // The questions redraw themselves on a language switch (form.js); this screen redraws its own parts.
    view.redraw = drawMine;
  }

  // ---------------------------------------------------------------- Print

  async function screenPrint(ctx) {
    const ref = ctx.params[0];
    const form = await ctx.load('GET', '/api/inspections/' + enc(ref));
    if (typeof FC.renderPrint !== 'function') {
      ctx.draw(() => [heading(S('In biên bản', 'Print')),
        h('p', {class: 'notice'}, S('Không in được (thiếu print.js).', 'Cannot print (print.js is missing).'))]);
      return;
    }
    // print.js draws the whole of <main>; the page keeps the title and the focus on its h1.
    const paint = (first) => {
      FC.renderPrint(main(), form, session);
      main().prepend(h('p', {class: 'breadcrumb fc-no-print'}, h('a', {href: recordHref(ref)}, '← ' + ref)));
      const h1 = main().querySelector('h1');
      if (h1) {
        document.title = h1.textContent + ' — Fieldcheck';
        if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
      }
      if (first && view.moved) focusIn();
    };
    if (!ctx.live) return;
    paint(true);
    view.redraw = () => paint(false);
  }

  // ---------------------------------------------------------------- History

  /// A device as the history names it, "máy / laptop MCY1SP": in the language chosen ("máy MCY1SP").
  function deviceText(text) {
    const m = /^(\S+) \/ (\S+) (.+)$/.exec(text || '');
    return m ? (FC.lang === 'en' ? m[2] : m[1]) + ' ' + m[3] : oneLang(text);
  }

  /// A record's history (#/record/REF/history) or an establishment's (#/establishment/CODE/history).
  async function screenHistory(ctx) {
    const ref = ctx.params[0];
    const back = (location.hash.indexOf('#/establishment/') === 0 ? '#/establishment/' : '#/record/') + enc(ref);
    const data = await ctx.load('GET', '/api/inspections/' + enc(ref) + '/history');
    ctx.draw(() => [
      h('p', {class: 'breadcrumb'}, h('a', {href: back}, '← ' + ref)),
      heading(S('Lịch sử: ', 'History: ') + (data.name || ref)),
      (data.revisions || []).length ? h('ol', {class: 'revisions'}, data.revisions.map((r) =>
        h('li', {class: 'revision'},
          h('h2', {class: 'revision__title'}, S('Phiên bản ', 'Revision ') + r.revision,
            r.merge ? [' ', tag(S('Hợp nhất tự động', 'Automatic merge'), 'merge')] : null,
            r.resolution ? [' ', tag(S('Quyết định xung đột', 'Conflict resolution'), 'resolution')] : null,
            r.deleted ? [' ', tag(S('Đã xoá', 'Deleted'), 'refused')] : null),
          h('p', {class: 'muted'}, [r.when, r.author, deviceText(r.device)].filter(Boolean).join(' · ')),
          (r.changes || []).length
            ? h('dl', {class: 'summary-list summary-list--compact'}, r.changes.map((c) => h('div', {class: 'summary-list__row'},
              h('dt', {}, FC.t(c.label) || c.field), h('dd', {}, c.shown === '' || c.shown === null || c.shown === undefined
                ? h('span', {class: 'muted'}, S('(xoá)', '(cleared)')) : fmtValue(oneLang(c.shown))))))
            : h('p', {class: 'muted'}, S('Không đổi trường nào.', 'No field changed.')))))
        : h('p', {class: 'empty'}, S('Chưa có phiên bản nào.', 'No revision yet.')),
    ]);
  }

  // ---------------------------------------------------------------- Records and Review

  const kStandings = [
    ['draft', 'Nháp', 'Draft'],
    ['finalized', 'Đã hoàn tất, chờ gửi', 'Finalized, waiting to be sent'],
    ['submitted', 'Đã gửi', 'Submitted'],
    ['approved', 'Đã duyệt', 'Approved'],
    ['returned', 'Bị trả lại', 'Returned'],
  ];

  async function screenRecords(ctx) {
    const status = ctx.query.get('status') || '';
    const data = await ctx.load('GET', '/api/inspections' + (status ? '?status=' + enc(status) : ''));
    // What the screen before did (a draft discarded), said here once and focused so that it is read out.
    const message = flash;
    flash = null;
    ctx.draw(() => {
      const select = h('select', {id: 'status', class: 'select', name: 'status'},
        h('option', {value: ''}, S('Tất cả', 'All')),
        kStandings.map(([code, vi, en]) => h('option', {value: code, selected: code === status}, S(vi, en))));
      select.addEventListener('change', () => {
        go('#/records' + (select.value ? '?status=' + enc(select.value) : ''));
      });
      const items = data.items || [];
      return [
        heading(S('Phiếu', 'Records')),
        message ? h('div', {class: 'status-message', role: 'status', id: 'flash', tabindex: '-1'}, h('p', {}, FC.t(message))) : null,
        h('form', {class: 'filters', onsubmit: (e) => e.preventDefault()},
          h('div', {class: 'field'}, h('label', {for: 'status', class: 'label'}, S('Trạng thái', 'Standing')), select)),
        h('p', {class: 'count', role: 'status'}, items.length >= kRecordsLimit
          ? S(fmtNumber(items.length) + ' phiếu mới nhất. Chọn một trạng thái để xem những phiếu khác.',
              'The latest ' + fmtNumber(items.length) + ' records. Choose a standing to see others.')
          : fmtNumber(items.length) + S(' phiếu', items.length === 1 ? ' record' : ' records')),
        recordTable(items, {id: 'records', comments: true, empty: S('Không có phiếu nào ở trạng thái này.', 'No record in this standing.')}),
      ];
    }, message ? '#flash' : null);
  }

  async function screenReview(ctx) {
    const data = await ctx.load('GET', '/api/today');
    ctx.draw(() => [
      heading(S('Duyệt', 'Review')),
      h('p', {class: 'muted'}, S('Phiếu đã hoàn tất hoặc đã gửi, chưa được duyệt. Mở một phiếu để duyệt hoặc trả lại.',
        'Records finalized or submitted, not yet reviewed. Open one to approve or return it.')),
      recordTable(data.review_queue, {id: 'review-queue', empty: S('Không có phiếu chờ duyệt.', 'Nothing waits for review.')}),
    ]);
  }

  // ---------------------------------------------------------------- Conflicts

  function conflictTable(items) {
    if (!items || !items.length) return h('p', {class: 'empty'}, S('Không có xung đột nào.', 'No conflicts.'));
    return h('div', {class: 'table-wrap'}, h('table', {class: 'table', id: 'conflicts'},
      h('thead', {}, h('tr', {},
        h('th', {scope: 'col'}, S('Số', 'Number')),
        h('th', {scope: 'col'}, S('Phiếu, cơ sở', 'Record')),
        h('th', {scope: 'col'}, S('Trường', 'Fields')),
        h('th', {scope: 'col'}, S('Phát hiện lúc', 'Found')))),
      h('tbody', {}, items.map((c) => h('tr', {},
        h('td', {class: 'nowrap'}, h('a', {href: '#/conflict/' + enc(c.number)}, '#' + c.number)),
        h('td', {}, FC.t(c.record)),
        h('td', {}, (c.fields || []).map((f) => FC.t(f) || S('cả phiếu', 'the whole record')).join(', ')),
        h('td', {class: 'nowrap'}, c.opened || ''))))));
  }

  async function screenConflicts(ctx) {
    const all = ctx.query.get('all') === '1';
    const data = await ctx.load('GET', '/api/conflicts' + (all ? '?all=1' : ''));
    ctx.draw(() => {
      const box = h('input', {type: 'checkbox', id: 'conflicts-all', class: 'checkbox', checked: all});
      box.addEventListener('change', () => go('#/conflicts' + (box.checked ? '?all=1' : '')));
      return [
        heading(S('Xung đột', 'Conflicts')),
        h('p', {class: 'muted'}, S('Hai lần sửa khi không có mạng đã ghi khác nhau vào cùng một trường. Mở một xung đột để quyết định giá trị nào đúng.',
          'Two edits made offline changed the same field differently. Open a conflict to decide which value is right.')),
        h('p', {class: 'check'}, box, ' ', h('label', {for: 'conflicts-all'}, S('Hiện cả xung đột đã giải quyết', 'Show resolved conflicts too'))),
        conflictTable(data.items),
      ];
    });
  }

  async function screenConflict(ctx) {
    const number = ctx.params[0];
    let data = await ctx.load('GET', '/api/conflicts/' + enc(number));
    const region = alertRegion();
    const choices = {};  // field -> {take, value}: kept across language switches
    const nameOf = (f) => f.field || '_record';
    let decided = null;  // after resolving here: [{label, value, from}] for each field, said in the success panel

    const who = (by, when) => [by, when].filter(Boolean).join(', ');

    const draw = () => {
      const open = data.open !== false;
      const rows = (data.fields || []).map((f) => {
        const key = nameOf(f);
        const label = FC.t(f.label) || (f.field ? f.field : S('Cả phiếu (xoá hay giữ)', 'The whole record (deleted or kept)'));
        const c = choices[key] || (choices[key] = {take: '', value: ''});
        const radio = (value, text) => {
          const id = 'take-' + key + '-' + value;
          const input = h('input', {type: 'radio', class: 'radio', name: 'take-' + key, id, value, checked: c.take === value, disabled: !open});
          input.addEventListener('change', () => { if (input.checked) c.take = value; });
          return h('span', {class: 'choice'}, input,
            h('label', {for: id}, h('span', {class: 'visually-hidden'}, label + ': '), text));
        };
        let setCell = h('td', {}, h('span', {class: 'muted'}, '—'));
        if (f.field) {
          const text = h('input', {type: 'text', class: 'input input--cell', id: 'set-' + key, name: 'set-' + key, value: c.value, disabled: !open,
            autocomplete: 'off'});
          text.addEventListener('input', () => {
            c.value = text.value;
            c.take = 'set';
            const r = document.getElementById('take-' + key + '-set');
            if (r) r.checked = true;
          });
          setCell = h('td', {}, radio('set', S('Nhập giá trị khác', 'Type a value')),
            h('label', {for: 'set-' + key, class: 'visually-hidden'}, S('Giá trị mới cho ', 'New value for ') + label), text);
        }
        return h('tr', {},
          h('th', {scope: 'row'}, label),
          h('td', {}, fmtValue(oneLang(f.base))),
          h('td', {class: 'side side--applied'}, h('span', {class: 'side__value'}, fmtValue(oneLang(f.applied))),
            h('span', {class: 'muted block'}, who(f.applied_by, f.applied_when)), radio('applied', S('Giữ giá trị này', 'Keep this'))),
          h('td', {class: 'side side--other'}, h('span', {class: 'side__value'}, fmtValue(oneLang(f.other))),
            h('span', {class: 'muted block'}, who(f.other_by, f.other_when)), radio('other', S('Lấy giá trị này', 'Take this'))),
          setCell);
      });

      const resolve = h('button', {type: 'submit', id: 'resolve', class: 'button button--primary', disabled: !open}, S('Quyết định', 'Resolve'));
      const form = h('form', {class: 'conflict-form', novalidate: true},
        h('div', {class: 'table-wrap'}, h('table', {class: 'table table--conflict'},
          h('caption', {class: 'visually-hidden'}, S('Các trường xung đột và lựa chọn cho từng trường', 'The fields in conflict and a choice for each')),
          h('thead', {}, h('tr', {},
            h('th', {scope: 'col'}, S('Trường', 'Field')),
            h('th', {scope: 'col'}, S('Giá trị gốc', 'Base')),
            h('th', {scope: 'col'}, S('Giá trị đang áp dụng', 'Applied')),
            h('th', {scope: 'col'}, S('Giá trị kia', 'Other')),
            h('th', {scope: 'col'}, S('Hoặc nhập', 'Or type')))),
          h('tbody', {}, rows))),
        open ? h('div', {class: 'actions'}, resolve) : null);
      form.addEventListener('submit', busy(resolve, region, async () => {
        const takes = [], sets = [], undecided = [];
        for (const f of data.fields || []) {
          const c = choices[nameOf(f)] || {};
          if (c.take === 'applied' || c.take === 'other') takes.push(f.field ? f.field + '=' + c.take : c.take);
          else if (c.take === 'set' && f.field) sets.push(f.field + '=' + c.value);
          else undecided.push(f);
        }
        // Every field needs a choice; say which are missing here, in the page's words (the
        // service's own message names the command line's options).
        if (undecided.length) {
          const names = (lang) => undecided.map((f) => (f.label && f.label[lang]) || f.field || (lang === 'vi' ? 'cả phiếu' : 'the whole record')).join(', ');
          showError(region, {error: {vi: 'Hãy chọn cho từng trường: ' + names('vi') + '.', en: 'Choose for each field: ' + names('en') + '.', details: []}});
          const first = document.querySelector('input[name="take-' + CSS.escape(nameOf(undecided[0])) + '"]');
          if (first) first.focus();
          return;
        }
        const made = {};
        for (const f of data.fields || []) made[nameOf(f)] = Object.assign({}, choices[nameOf(f)]);
        data = await ctx.load('POST', '/api/conflicts/' + enc(number) + '/resolve', {takes, sets});
        // Each field's value as decided: the side taken, from the conflict as the service answers
        // it, or the value typed. The typed boxes are emptied (the conflict is closed).
        decided = (data.fields || []).map((f) => {
          const c = made[nameOf(f)] || {};
          const side = c.take === 'set' ? null : c.take === 'other' ? 'other' : 'applied';
          return {label: f.label, field: f.field, take: c.take,
            value: side ? f[side] : c.value, by: side ? f[side + '_by'] : null};
        });
        for (const key of Object.keys(choices)) choices[key] = {take: '', value: ''};
        view.redraw();
        standingChanged();
        const panel = document.getElementById('resolve-result');
        if (panel) panel.focus();
      }));

      return [
        h('p', {class: 'breadcrumb'}, h('a', {href: '#/conflicts'}, S('← Danh sách xung đột', '← Conflicts'))),
        heading(S('Xung đột #', 'Conflict #') + (data.number || number) + (data.record ? ' · ' + FC.t(data.record) : '')),
        open ? h('p', {}, S('Chọn cho từng trường: giữ giá trị đang áp dụng, lấy giá trị kia, hoặc nhập giá trị đúng.',
          'For each field, keep the value applied, take the other, or type the right value.'))
          : h('p', {}, tag(S('Đã giải quyết', 'Resolved'), 'sent')),
        region, resultPanel(), form,
      ];
    };

    // The success panel after resolving here: what each field now holds, and whose value it is.
    function resultPanel() {
      if (!decided) return null;
      const valueOf = (d) => {
        const shown = fmtValue(oneLang(d.value));
        if (!d.field && d.take !== 'set') {
          // The whole record: kept or deleted.
          return oneLang(d.value) ? shown : S('giữ phiếu', 'the record kept');
        }
        return shown;
      };
      const from = (d) => d.take === 'set' ? S('giá trị bạn nhập', 'the value you typed')
        : d.by ? S('giá trị của ', 'the value by ') + d.by
          : d.take === 'other' ? S('giá trị kia', 'the other value') : S('giá trị đang áp dụng', 'the value applied');
      return h('div', {class: 'status-message resolve-result', role: 'status', id: 'resolve-result', tabindex: '-1'},
        h('h2', {class: 'resolve-result__title'}, S('Đã quyết định xung đột #', 'Conflict #') + (data.number || number) + S('', ' resolved')),
        h('ul', {class: 'resolve-result__list'}, decided.map((d) => h('li', {},
          h('strong', {}, FC.t(d.label) || d.field || S('Cả phiếu', 'The whole record')), ' = ',
          h('strong', {}, valueOf(d)), ' (' + from(d) + ')'))),
        h('p', {}, S('Kết quả sẽ được gửi lần đồng bộ sau.', 'The decision goes with the next sync.')));
    }
    ctx.draw(draw);
  }

  // ---------------------------------------------------------------- Sync

  // The words for each count the API gives, in the order they are listed.
  const kCountWords = {
    pushed: ['phiếu/hồ sơ đã gửi', 'records sent'],
    acknowledged: ['phiếu/hồ sơ máy chủ đã nhận', 'records the server acknowledged'],
    refused: ['phiếu/hồ sơ bị từ chối', 'records refused'],
    pulled: ['phiếu/hồ sơ đã nhận về', 'records received'],
    attachments_sent: ['ảnh đã gửi', 'photos sent'],
    attachment_bytes_sent: ['dung lượng ảnh đã gửi', 'of photos sent'],
    attachments_refused: ['ảnh bị từ chối', 'photos refused'],
    attachments: ['ảnh', 'photos'],
    attachments_received: ['ảnh đã nhận', 'photos received'],
    conflicts: ['xung đột mới', 'new conflicts'],
    merged: ['lần hợp nhất tự động', 'automatic merges'],
    waiting: ['sửa đổi bị gác lại', 'edits set aside'],
    round_trips: ['lượt trao đổi với máy chủ', 'round trips to the server'],
    bytes_sent: ['đã gửi đi tất cả', 'sent in all'],
    bytes_received: ['đã nhận về tất cả', 'received in all'],
    server_restored: ['Máy chủ đã được khôi phục từ bản sao lưu; những gì nó thiếu đã được gửi lại.',
                      'The server was restored from a backup; what it lacked was sent again.'],
  };
  const kCountOrder = Object.keys(kCountWords);

  /// Counts as the API names them ({pushed: 40, bytes_sent: 123456, ...}), each in words; the ones
  /// that are zero are left out, and so is the clock's skew (the header warns of it).
  function countList(counts) {
    const entries = Object.entries(counts || {}).filter(([key, value]) =>
      key !== 'clock_skew_ms' && !(value === 0 || value === null || value === false || (Array.isArray(value) && !value.length)));
    const rank = (key) => (kCountOrder.includes(key) ? kCountOrder.indexOf(key) : kCountOrder.length);
    entries.sort((a, b) => rank(a[0]) - rank(b[0]));
    if (!entries.length) return null;
    return h('ul', {class: 'counts'}, entries.map(([key, value]) => {
      const words = kCountWords[key];
      if (value === true) return h('li', {}, words ? S(words[0], words[1]) : key.replace(/_/g, ' '));  // a fact, not a count
      const n = Array.isArray(value) ? value.length : value;
      const amount = typeof n !== 'number' ? fmtValue(n) : /bytes/.test(key) ? fmtBytes(n) : fmtNumber(n);
      return h('li', {}, h('strong', {}, amount), ' ', words ? S(words[0], words[1]) : key.replace(/_/g, ' '));
    }));
  }

  async function screenSync(ctx) {
    const region = alertRegion();
    const [today, first] = await Promise.all([ctx.load('GET', '/api/today'), ctx.load('GET', '/api/sync')]);
    const state = {today, sync: first, receipt: null};
    standing = today.status;
    let progressBox, resultBox, button, refusedBox;

    function progressText(s) {
      const t = s.total || {}, d = s.done || {};
      if (s.running && !t.changes && !t.upload_bytes && !d.bytes_sent && !d.bytes_received) return S('Đang bắt đầu…', 'Starting…');
      let text = fmtNumber(d.pushed || 0) + '/' + recordsCount(t.changes || 0);
      if (t.upload_bytes) text += ', ' + bytesOf(d.attachment_bytes_sent, t.upload_bytes) + S(' ảnh', ' of photos');
      text += ' · ' + S('đã gửi ', 'sent ') + fmtBytes(d.bytes_sent) + ', ' + S('đã nhận ', 'received ') + fmtBytes(d.bytes_received);
      if (d.pulled) text += ' · ' + recordsCount(d.pulled) + S(' nhận về', ' received');
      return text;
    }

    function drawProgress() {
      const s = state.sync || {};
      if (!progressBox) return;
      if (!s.running && !s.result) { progressBox.hidden = true; return; }
      progressBox.hidden = false;
      const t = s.total || {}, d = s.done || {};
      const bar = h('progress', {id: 'sync-progress', max: String(Math.max(t.changes || 0, 1)), 'aria-describedby': 'sync-progress-text'});
      const ok = !s.running && s.result && s.result.ok;
      if (ok) bar.value = Math.max(t.changes || 0, 1);  // done, whatever the counts' units
      else if (t.changes) bar.value = Math.min(d.pushed || 0, t.changes);
      else if (!s.running) bar.value = 0;
      else bar.removeAttribute('value');  // indeterminate until the total is known
      const photos = t.upload_bytes ? h('progress', {id: 'sync-photo-progress', max: String(t.upload_bytes),
        value: String(Math.min(d.attachment_bytes_sent || 0, t.upload_bytes))}) : null;
      FC.replace(progressBox,
        h('h2', {class: 'sync-progress__title'}, s.running ? S('Đang đồng bộ…', 'Syncing…') : S('Lần đồng bộ vừa rồi', 'The last sync')),
        h('div', {class: 'sync-progress__row'}, h('label', {for: 'sync-progress'}, S('Phiếu/hồ sơ', 'Records')), bar),
        photos ? h('div', {class: 'sync-progress__row'}, h('label', {for: 'sync-photo-progress'}, S('Ảnh', 'Photos')), photos) : null,
        h('p', {class: 'progress-text', id: 'sync-progress-text'}, progressText(s)));
    }

    function drawResult() {
      const s = state.sync || {};
      const r = s.result;
      if (!resultBox) return;
      if (s.running || !r) { resultBox.replaceChildren(); resultBox.className = 'sync-result'; return; }
      if (r.ok) {
        resultBox.className = 'sync-result sync-result--ok';
        FC.replace(resultBox, h('h2', {}, S('Đồng bộ xong', 'Sync finished')), countList(r.counts) ||
          h('p', {}, S('Không có gì mới để gửi hay nhận.', 'Nothing new to send or receive.')));
      } else {
        const t = s.total || {}, d = s.done || {};
        const left = Math.max((t.changes || 0) - (d.pushed || 0), 0);
        resultBox.className = 'sync-result sync-result--failed';
        FC.replace(resultBox,
          h('h2', {}, S('Đồng bộ chưa xong', 'The sync did not finish')),
          errorNodes({error: r.error}),
          h('p', {}, S('Đã gửi ', 'Sent ') + fmtNumber(d.pushed || 0) + '/' + recordsCount(t.changes || 0) +
            (t.upload_bytes ? ', ' + bytesOf(d.attachment_bytes_sent, t.upload_bytes) + S(' ảnh', ' of photos') : '') + '. ' +
            (left ? recordsCount(left) + S(' chưa gửi vẫn được giữ trên máy này; không mất gì.', ' not sent yet stay on this laptop; nothing is lost.')
              : S('Phần chưa gửi vẫn được giữ trên máy này; không mất gì.', 'What is not sent yet stays on this laptop; nothing is lost.'))));
      }
    }

    function drawRefused() {
      if (!refusedBox) return;
      const st = (state.today && state.today.status) || {};
      const refused = st.refused || [], uploads = st.refused_uploads || [];
      if (!refused.length && !uploads.length) { refusedBox.replaceChildren(); return; }
      FC.replace(refusedBox,
        h('h2', {}, S('Máy chủ đã từ chối', 'Refused by the server')),
        h('ul', {class: 'reasons'},
          refused.map((r) => h('li', {}, recordRef(r.record), ': ', FC.t(r.reason))),
          uploads.map((u) => h('li', {}, S('Ảnh ', 'Photo '), h('strong', {}, u.name), ': ', FC.t(u.reason)))));
    }

    function drawButton() {
      if (!button) return;
      // Disabled while a sync runs (the focus is moved to the progress first, so it is not lost).
      const running = !!(state.sync && state.sync.running);
      if (running && document.activeElement === button && progressBox && !progressBox.hidden) progressBox.focus();
      button.disabled = running;
      button.textContent = running ? S('Đang đồng bộ…', 'Syncing…') : S('Đồng bộ ngay', 'Sync now');
      drawStanding(running);
    }

    async function poll() {
      try {
        state.sync = await ctx.load('GET', '/api/sync');
      } catch (err) {
        showError(region, err);
        return;
      }
      drawProgress();
      drawButton();
      if (state.sync.running) {
        ctx.later(poll, kSyncPollMs);
      } else {
        drawResult();
        try {
          state.today = await ctx.load('GET', '/api/today');
          standing = state.today.status;
          drawStanding();
          drawRefused();
        } catch (err) { showError(region, err); }
        resultBox.focus();
      }
    }

    async function startSync() {
      // A laptop not yet linked to the server has nothing to sync with: said here, without asking
      // (the session is asked again first, in case `fieldcheck login` ran since the page opened).
      if (!(session && session.server)) session = await ctx.load('GET', '/api/session');
      if (!session.server) {
        throw {error: {vi: 'Máy này chưa đăng nhập máy chủ tỉnh nên chưa đồng bộ được. Hãy xuất gói USB bên dưới, hoặc chạy lệnh `fieldcheck login --server ĐỊA_CHỈ --user TÊN` một lần.',
          en: 'This laptop has not logged in to the provincial server, so it cannot sync. Export a USB bundle below, or run `fieldcheck login --server URL --user NAME` once.', details: []}};
      }
      try {
        await ctx.load('POST', '/api/sync', {});
      } catch (err) {
        // 409: a sync already runs (follow it), or this laptop has no server (say so).
        if (!(err && err.status === 409)) throw err;
        const now = await ctx.load('GET', '/api/sync');
        if (!now.running) throw err;
      }
      state.sync = Object.assign({}, state.sync, {running: true, result: null});
      drawResult();
      drawProgress();
      drawButton();
      ctx.later(poll, kSyncPollMs);
    }

    const draw = () => {
      const s = session || {};
      button = h('button', {type: 'button', id: 'sync-now', class: 'button button--primary'});
      button.addEventListener('click', busy(button, region, startSync));
      progressBox = h('div', {class: 'sync-progress', hidden: true, tabindex: '-1'});
      resultBox = h('div', {id: 'sync-result', class: 'sync-result', role: 'status', tabindex: '-1'});
      refusedBox = h('section', {class: 'section'});

      // A plain download link; with script, fetched first so that a refusal (409: nothing to
      // export, no server enrolled) shows in the alert region instead of being saved as the file.
      const bundleLink = h('a', {href: '/api/bundle', download: '', class: 'button button--secondary', id: 'bundle-export'}, S('Xuất gói USB', 'Export USB bundle'));
      bundleLink.addEventListener('click', busy(bundleLink, region, async () => {
        const blob = await ctx.load('GET', '/api/bundle');
        const url = URL.createObjectURL(blob);
        const name = 'fieldcheck-' + (s.user || 'bundle') + '-' + new Date().toISOString().slice(0, 10) + '.fcb';
        const a = h('a', {href: url, download: name, hidden: true});
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10000);
        FC.replace(bundleDone, h('p', {}, S('Đã xuất gói ', 'Bundle written: ') + name + S('. Chép tệp này vào USB.', '. Copy this file to the USB stick.')));
      }));
      const bundleDone = statusRegion('bundle-result');
      // The browser's own file control speaks its own language ("Choose File"): hidden from sight
      // (still focusable, and focused it lights its label up), with a label drawn as a button and
      // the name of the file chosen beside it.
      const receiptInput = h('input', {type: 'file', id: 'receipt-file', class: 'file-input visually-hidden',
        'aria-describedby': 'receipt-hint receipt-chosen'});
      const receiptChosen = h('span', {class: 'file-chosen', id: 'receipt-chosen'});
      const showChosen = () => {
        const file = receiptInput.files && receiptInput.files[0];
        receiptChosen.classList.toggle('muted', !file);
        receiptChosen.textContent = file ? S('Đã chọn: ', 'Chosen: ') + file.name : S('Chưa chọn tệp nào.', 'No file chosen yet.');
      };
      const receiptError = h('p', {class: 'error-message', id: 'receipt-error', hidden: true},
        h('span', {class: 'visually-hidden'}, S('Lỗi: ', 'Error: ')), S('Hãy chọn tệp biên nhận trước.', 'Choose the receipt file first.'));
      const receiptField = h('div', {class: 'field'});
      const markMissing = (missing) => {
        receiptError.hidden = !missing;
        receiptField.classList.toggle('field--error', missing);
        receiptInput.setAttribute('aria-describedby', 'receipt-hint ' + (missing ? 'receipt-error ' : '') + 'receipt-chosen');
      };
      receiptInput.addEventListener('change', () => { showChosen(); markMissing(false); });
      showChosen();
      const receiptButton = h('button', {type: 'submit', id: 'receipt-import', class: 'button button--secondary'}, S('Nhập biên nhận', 'Import receipt'));
      const receiptDone = statusRegion('receipt-result');
      const receiptForm = h('form', {class: 'receipt-form'},
        FC.append(receiptField, [
          h('p', {class: 'label', id: 'receipt-label'}, S('Tệp biên nhận', 'Receipt file')),
          h('p', {class: 'hint', id: 'receipt-hint'}, S('Tệp máy chủ tỉnh viết cho gói USB bạn đã mang đi.', 'The file the provincial server wrote for the bundle you carried.')),
          receiptError,
          h('div', {class: 'file-pick'}, receiptInput,
            h('label', {for: 'receipt-file', class: 'button button--secondary file-label'}, S('Chọn tệp biên nhận…', 'Choose the receipt file…')),
            receiptChosen)]),
        h('div', {class: 'actions'}, receiptButton), receiptDone);
      receiptForm.addEventListener('submit', busy(receiptButton, region, async () => {
        const file = receiptInput.files && receiptInput.files[0];
        if (!file) {
          markMissing(true);
          receiptInput.focus();
          return;
        }
        const bytes = await file.arrayBuffer();
        const r = await ctx.load('POST', '/api/receipt', bytes, 'application/octet-stream');
        FC.replace(receiptDone, h('p', {}, S('Đã nhập biên nhận.', 'Receipt imported.')), countList(r));
        state.today = await ctx.load('GET', '/api/today');
        standing = state.today.status;
        drawStanding();
        drawRefused();
      }));

      const out = [
        heading(S('Đồng bộ', 'Sync')),
        h('p', {}, s.server
          ? S('Gửi những gì chờ gửi lên máy chủ tỉnh ', 'Send what waits to the provincial server ') + s.server + S(' và nhận những gì đã đổi trong huyện.', ' and receive what changed in your district.')
          : S('Máy này chưa nối với máy chủ tỉnh: dùng gói USB bên dưới.', 'This laptop is not linked to the provincial server: use a USB bundle below.')),
        region,
        h('p', {}, button),
        progressBox,
        resultBox,
        refusedBox,
        h('section', {class: 'section'},
          h('h2', {}, S('Không có mạng: qua USB', 'No connection: by USB stick')),
          h('p', {}, S('Xuất mọi thứ chưa gửi ra một tệp, mang đến nơi có mạng; sau đó nhập tệp biên nhận máy chủ trả về.',
            'Write everything not sent to one file, carry it to an office with a connection, then import the receipt the server gives back.')),
          h('p', {}, bundleLink), bundleDone,
          receiptForm),
      ];
      drawButton();
      drawProgress();
      drawResult();
      drawRefused();
      return out;
    };
    ctx.draw(draw);
    if (state.sync && state.sync.running) {
      ctx.later(poll, kSyncPollMs);
    } else if (ctx.query.get('start') === '1') {
      // Today's "Sync now": the sync starts as the screen opens. The address loses `start`, so
      // that going back or reloading does not start another.
      history.replaceState(null, '', '#/sync');
      await busy(button, region, startSync)();
    }
  }

  // ---------------------------------------------------------------- start

  async function start() {
    document.documentElement.lang = FC.lang;
    document.getElementById('lang-switch').addEventListener('click', () => FC.setLang(FC.lang === 'en' ? 'vi' : 'en'));
    document.getElementById('skip-link').addEventListener('click', (e) => {
      e.preventDefault();
      main().focus();
    });
    document.addEventListener('fc-lang', () => {
      drawChrome();
      if (view.redraw) view.redraw();
      for (const region of main().querySelectorAll('.alert--shown')) {
        if (region.fcError) FC.replace(region, errorNodes(region.fcError));
      }
    });
    window.addEventListener('hashchange', () => { view.moved = true; route(); });
    drawChrome();
    try {
      session = await FC.api('GET', '/api/session');
    } catch (err) {
      const region = alertRegion();
      FC.replace(main(), heading('Fieldcheck'), region);
      showError(region, err);
      return;
    }
    drawChrome();
    if (!location.hash || location.hash === '#' || location.hash === '#/') history.replaceState(null, '', '#/today');
    route();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})(window.FC);
