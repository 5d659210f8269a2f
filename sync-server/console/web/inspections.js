// The inspections list (/inspections): filters kept in the address, sort by a column, pages, ticked rows approved at once.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kPerPage = 50;
  const kFilterKeys = ['q', 'district', 'state', 'from', 'to', 'establishment', 'inspector'];
  const kSorts = ['day', 'number', 'state', 'district', 'inspector'];

  /// A record's address in the console: by its number when it has one (the API takes either).
  FC.inspectionHref = (r) => '/inspections/' + FC.enc(r.number || r.id);

  async function screenInspections(ctx) {
    const f = {};
    for (const key of kFilterKeys) f[key] = ctx.query.get(key) || '';
    f.sort = kSorts.includes(ctx.query.get('sort')) ? ctx.query.get('sort') : 'day';
    f.order = ctx.query.get('order') === 'asc' ? 'asc' : 'desc';
    f.page = Math.max(1, parseInt(ctx.query.get('page'), 10) || 1);

    const places = await FC.places().catch(() => ({districts: []}));
    const mayReview = FC.may('review');
    let data = null;
    let asked = 0;                 // the newest request: an older answer arriving late is dropped
    const ticked = new Set();      // ids ticked on this page
    let batch = null;              // the last batch approval's answer, listed above the table
    let results = null;            // the element the table is drawn into

    function apiQuery() {
      const q = new URLSearchParams();
      for (const key of kFilterKeys) if (f[key]) q.set(key, f[key]);
      if (f.sort !== 'day') q.set('sort', f.sort);
      if (f.order !== 'desc') q.set('order', f.order);
      if (f.page > 1) q.set('page', String(f.page));
      return q;
    }

    function keepInAddress(replace) {
      const values = {};
      for (const [k, v] of apiQuery()) values[k] = v;
      ctx.setQuery(values, {replace});
      FC.lastInspections = location.pathname + location.search;
    }

    async function load() {
      const mine = ++asked;
      const q = apiQuery();
      q.set('per_page', String(kPerPage));
      const answer = await ctx.load('GET', '/api/inspections?' + q.toString());
      if (mine !== asked) return false;
      data = answer;
      ticked.clear();
      return true;
    }

    /// Loads again after a filter, sort or page changed, then draws the table; `focusId` gets the focus back.
    async function reload(focusId) {
      keepInAddress(false);
      results.setAttribute('aria-busy', 'true');
      try {
        if (!(await load())) return;
        FC.clearError();
        drawResults();
        const el = focusId && document.getElementById(focusId);
        if (el && !el.disabled) el.focus();
        else if (focusId) document.getElementById('inspections-total').focus();
      } catch (err) {
        FC.showError(err);
      } finally {
        results.removeAttribute('aria-busy');
      }
    }

    function filters() {
      const q = h('input', {class: 'input', id: 'f-q', type: 'search', value: f.q, 'data-search': '', autocomplete: 'off'});
      const district = FC.districtSelect('f-district', places, f.district);
      const state = FC.select('f-state', FC.kStates.map((s) => ({value: s.code, text: FC.t(s.label)})), f.state, S('Mọi trạng thái', 'Any state'));
      const from = h('input', {class: 'input input--date', id: 'f-from', type: 'date', value: f.from});
      const to = h('input', {class: 'input input--date', id: 'f-to', type: 'date', value: f.to});
      const establishment = h('input', {class: 'input input--code', id: 'f-establishment', type: 'text', value: f.establishment,
        autocomplete: 'off', spellcheck: 'false'});
      const inspector = h('input', {class: 'input input--code', id: 'f-inspector', type: 'text', value: f.inspector,
        autocomplete: 'off', spellcheck: 'false'});
      const apply = h('button', {type: 'submit', class: 'button button--secondary', id: 'f-apply'}, S('Lọc', 'Filter'));
      const form = h('form', {class: 'filters filters--dense', id: 'inspections-filters', role: 'search', novalidate: true,
        'aria-label': S('Lọc phiếu kiểm tra', 'Filter inspections')},
        FC.field('f-q', S('Tìm số phiếu, cơ sở', 'Search'), q, null, 'field--grow'),
        (places.districts || []).length > 1 || f.district ? FC.field('f-district', S('Huyện', 'District'), district) : null,
        FC.field('f-state', S('Trạng thái', 'State'), state),
        FC.field('f-from', S('Từ ngày', 'From'), from),
        FC.field('f-to', S('Đến ngày', 'To'), to),
        FC.field('f-establishment', S('Mã cơ sở', 'Establishment code'), establishment),
        FC.field('f-inspector', S('Người kiểm tra', 'Inspector'), inspector),
        h('div', {class: 'field filters__actions'}, apply, ' ',
          h('a', {href: '/inspections', id: 'f-clear', class: 'filters__clear'}, S('Bỏ lọc', 'Clear'))));
      const read = () => {
        f.q = q.value.trim();
        f.district = district.value;
        f.state = state.value;
        f.from = from.value;
        f.to = to.value;
        f.establishment = establishment.value.trim();
        f.inspector = inspector.value.trim();
        f.page = 1;
      };
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        read();
        reload(null);
      });
      // Choices and dates filter at once; typed fields on Enter (or the button).
      for (const el of [district, state, from, to]) el.addEventListener('change', () => { read(); reload(null); });
      return form;
    }

    function filtersForExport() {
      const out = {};
      for (const key of kFilterKeys) if (f[key]) out[key] = f[key];
      return out;
    }

    function toolbar() {
      const total = data.total || 0;
      const selectable = (data.rows || []).filter((r) => r.state && r.state.code === 'submitted');
      const approve = mayReview ? h('button', {type: 'button', class: 'button button--primary', id: 'batch-approve',
        disabled: ticked.size ? null : true},
        S('Duyệt các phiếu đã chọn', 'Approve the ticked records') + (ticked.size ? ' (' + FC.count(ticked.size) + ')' : '')) : null;
      if (approve) approve.addEventListener('click', FC.busy(approve, approveTicked));
      return h('div', {class: 'table-toolbar'},
        h('p', {class: 'count', id: 'inspections-total', tabindex: '-1', role: 'status'},
          FC.count(total) + (data.total_capped ? '+' : '') + S(' phiếu', total === 1 ? ' record' : ' records'),
          mayReview && selectable.length ? h('span', {class: 'muted'}, ' · ' + FC.count(selectable.length) +
            S(' phiếu trên trang này chờ duyệt', ' on this page waiting for review')) : null),
        approve,
        FC.may('export') ? h('p', {class: 'export-links'}, S('Tải về: ', 'Download: '),
          FC.kExportFormats.map(([format, label], i) => [i ? ' · ' : null,
            h('a', {href: FC.exportHref('inspection', format, filtersForExport()), id: 'inspections-export-' + format, download: ''}, label)])) : null);
    }

    async function approveTicked() {
      const ids = Array.from(ticked);
      if (!ids.length) return;
      batch = await ctx.load('POST', '/api/review', {ids, approve: true});
      const approved = (batch.approved || []).length, refused = (batch.refused || []).length;
      FC.say({vi: 'Đã duyệt ' + approved + ' phiếu' + (refused ? ', ' + refused + ' phiếu không duyệt được' : '') + '.',
        en: 'Approved ' + approved + (approved === 1 ? ' record' : ' records') + (refused ? ', ' + refused + ' could not be approved' : '') + '.'});
      await load();
      // The list is read from an index the server brings up to date about once a second: the
      // records just approved are shown as the answer says, whatever the list still holds.
      const done = new Set(batch.approved || []);
      for (const r of data.rows || []) {
        if (done.has(r.number)) r.state = {code: 'approved', label: {vi: 'Đã duyệt', en: 'Approved'}};
      }
      drawResults();
      const el = document.getElementById('batch-result');
      if (el) el.focus();
    }

    function batchResult() {
      if (!batch) return null;
      const approved = batch.approved || [], refused = batch.refused || [];
      return h('div', {class: 'batch-result', id: 'batch-result', tabindex: '-1'},
        approved.length ? h('p', {}, h('strong', {}, S('Đã duyệt: ', 'Approved: ')),
          approved.map((n, i) => [i ? ', ' : null, h('a', {href: '/inspections/' + FC.enc(n), 'data-number': n}, n)])) : null,
        refused.length ? [h('p', {}, h('strong', {}, S('Không duyệt được:', 'Not approved:'))),
          h('ul', {class: 'reasons'}, refused.map((r) => h('li', {'data-number': r.number || r.id},
            h('a', {href: '/inspections/' + FC.enc(r.number || r.id)}, r.number || r.id), ': ', FC.t(r.error))))] : null);
    }

    function table() {
      const rows = data.rows || [];
      if (!rows.length) {
        return FC.empty(kFilterKeys.some((k) => f[k]) ? S('Không có phiếu nào khớp bộ lọc.', 'No record matches the filters.')
          : S('Chưa có phiếu kiểm tra nào.', 'No inspections yet.'), 'inspections-empty');
      }
      const onSort = (key, order) => {
        f.sort = key;
        f.order = order;
        f.page = 1;
        reload('sort-' + key);
      };
      const selectable = rows.filter((r) => r.state && r.state.code === 'submitted');
      let all = null;
      if (mayReview) {
        all = h('input', {type: 'checkbox', class: 'checkbox', id: 'select-all', disabled: selectable.length ? null : true,
          'aria-label': S('Chọn mọi phiếu chờ duyệt trên trang này', 'Tick every record waiting for review on this page')});
        all.checked = selectable.length > 0 && selectable.every((r) => ticked.has(r.id));
        all.addEventListener('change', () => {
          for (const r of selectable) { if (all.checked) ticked.add(r.id); else ticked.delete(r.id); }
          drawResults();
          document.getElementById('select-all').focus();
        });
      }
      return h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense table--inspections', id: 'inspections-table', 'data-keys': ''},
        h('caption', {class: 'visually-hidden'}, S('Phiếu kiểm tra; bấm tiêu đề cột để sắp xếp', 'Inspections; press a column header to sort')),
        h('thead', {}, h('tr', {},
          mayReview ? h('th', {scope: 'col', class: 'col-check'}, all) : null,
          FC.sortHeader('number', S('Số phiếu', 'Number'), f.sort, f.order, onSort, {class: 'col-number'}),
          h('th', {scope: 'col'}, S('Cơ sở', 'Establishment')),
          FC.sortHeader('district', S('Huyện', 'District'), f.sort, f.order, onSort),
          FC.sortHeader('day', S('Ngày kiểm tra', 'Visit day'), f.sort, f.order, onSort, {class: 'col-day'}),
          FC.sortHeader('inspector', S('Người kiểm tra', 'Inspector'), f.sort, f.order, onSort),
          FC.sortHeader('state', S('Trạng thái', 'State'), f.sort, f.order, onSort, {class: 'col-state'}),
          h('th', {scope: 'col', class: 'col-updated'}, S('Cập nhật', 'Updated')))),
        h('tbody', {}, rows.map((r) => {
          const waiting = r.state && r.state.code === 'submitted';
          let box = null;
          if (mayReview && waiting) {
            box = h('input', {type: 'checkbox', class: 'checkbox row-select', value: r.id, 'data-number': r.number || '',
              'aria-label': S('Chọn ', 'Tick ') + (r.number || r.id)});
            box.checked = ticked.has(r.id);
            box.addEventListener('change', () => {
              if (box.checked) ticked.add(r.id); else ticked.delete(r.id);
              const tr = box.closest('tr');
              if (tr) tr.classList.toggle('is-ticked', box.checked);
              refreshToolbar();
            });
          }
          const est = r.establishment || {};
          return h('tr', {'data-id': r.id, 'data-number': r.number || '', class: ticked.has(r.id) ? 'is-ticked' : null},
            mayReview ? h('td', {class: 'col-check'}, box) : null,
            h('td', {class: 'nowrap'}, h('a', {href: FC.inspectionHref(r), class: 'row-link'}, r.number || r.id)),
            h('td', {}, est.code ? h('span', {class: 'code'}, est.code + ' ') : null, est.name || ''),
            h('td', {}, FC.t(r.district && r.district.name)),
            h('td', {class: 'nowrap'}, r.day_text || ''),
            h('td', {}, r.inspector || ''),
            h('td', {}, FC.badge(r.state)),
            h('td', {class: 'nowrap muted'}, r.updated_text || ''));
        }))));
    }

    function refreshToolbar() {
      const old = results.querySelector('.table-toolbar');
      if (!old) return;
      const had = document.activeElement;
      old.replaceWith(toolbar());
      const all = document.getElementById('select-all');
      const selectable = (data.rows || []).filter((r) => r.state && r.state.code === 'submitted');
      if (all) all.checked = selectable.length > 0 && selectable.every((r) => ticked.has(r.id));
      if (had && !had.isConnected && had.id) { const again = document.getElementById(had.id); if (again) again.focus(); }
    }

    function drawResults() {
      FC.replace(results, batchResult(), toolbar(), table(),
        (data.rows || []).length ? FC.pager(f.page, data.per_page || kPerPage, data.total, data.total_capped, (page) => {
          const forward = page > f.page;
          f.page = page;
          reload(forward ? 'page-next' : 'page-prev');
        }) : null);
    }

    await load();
    FC.lastInspections = location.pathname + location.search;
    ctx.draw(() => {
      results = h('div', {class: 'results', id: 'inspections-results'});
      const nodes = [FC.heading(S('Phiếu kiểm tra', 'Inspections')), filters(), results];
      drawResults();
      return nodes;
    });
  }

  FC.addScreen('inspections', /^\/inspections$/, screenInspections);
})(window.FC);
