// Establishments: the list searched by code or name (/establishments) and one establishment with its visits (/establishments/ID).
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kPerPage = 50;
  const kSearchDelayMs = 250;  // typing pauses this long before the list is asked again

  async function screenEstablishments(ctx) {
    const f = {q: ctx.query.get('q') || '', district: ctx.query.get('district') || '', commune: ctx.query.get('commune') || '',
      page: Math.max(1, parseInt(ctx.query.get('page'), 10) || 1)};
    const places = await FC.places().catch(() => ({districts: []}));
    let data = null;
    let asked = 0;
    let timer = null;
    let results = null;

    const query = () => {
      const values = {q: f.q, district: f.district, commune: f.commune, page: f.page > 1 ? f.page : ''};
      return values;
    };

    async function load() {
      const mine = ++asked;
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(query())) if (v) q.set(k, v);
      q.set('per_page', String(kPerPage));
      const answer = await ctx.load('GET', '/api/establishments?' + q.toString());
      if (mine !== asked) return false;
      data = answer;
      return true;
    }

    async function reload(replace, focusId) {
      ctx.setQuery(query(), {replace});
      try {
        if (!(await load())) return;
        FC.clearError();
        drawResults();
        const el = focusId && document.getElementById(focusId);
        if (el && !el.disabled) el.focus();
      } catch (err) {
        FC.showError(err);
      }
    }

    function communes() {
      const d = (places.districts || []).find((x) => x.code === f.district) || ((places.districts || []).length === 1 ? places.districts[0] : null);
      return d ? (d.communes || []) : [];
    }

    function filters() {
      const q = h('input', {class: 'input', id: 'e-q', type: 'search', value: f.q, 'data-search': '', autocomplete: 'off'});
      const district = FC.districtSelect('e-district', places, f.district);
      const commune = FC.select('e-commune', communes().map((c) => ({value: c.code, text: FC.t(c.name)})), f.commune, S('Mọi xã', 'All communes'));
      commune.disabled = !communes().length;
      q.addEventListener('input', () => {
        clearTimeout(timer);
        timer = ctx.later(() => { f.q = q.value.trim(); f.page = 1; reload(true); }, kSearchDelayMs);
      });
      district.addEventListener('change', () => {
        f.district = district.value;
        f.commune = '';
        f.page = 1;
        const again = FC.select('e-commune', communes().map((c) => ({value: c.code, text: FC.t(c.name)})), '', S('Mọi xã', 'All communes'));
        again.disabled = !communes().length;
        again.addEventListener('change', onCommune);
        document.getElementById('e-commune').replaceWith(again);
        reload(false);
      });
      const onCommune = (e) => { f.commune = e.target.value; f.page = 1; reload(false); };
      commune.addEventListener('change', onCommune);
      const form = h('form', {class: 'filters', id: 'establishments-filters', role: 'search', novalidate: true},
        FC.field('e-q', S('Tìm', 'Search'), q, S('Mã hoặc tên cơ sở, gõ dấu hay không đều được', 'Code or name, with or without accents'), 'field--grow'),
        (places.districts || []).length > 1 ? FC.field('e-district', S('Huyện', 'District'), district) : null,
        FC.field('e-commune', S('Xã, phường, thị trấn', 'Commune'), commune));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        clearTimeout(timer);
        f.q = q.value.trim();
        f.page = 1;
        reload(false);
      });
      return form;
    }

    function drawResults() {
      const rows = data.rows || [];
      FC.replace(results,
        h('p', {class: 'count', id: 'establishments-total', role: 'status'}, FC.count(data.total || 0) + S(' cơ sở', data.total === 1 ? ' establishment' : ' establishments')),
        rows.length ? h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense', id: 'establishments-table', 'data-keys': ''},
          h('caption', {class: 'visually-hidden'}, S('Các cơ sở', 'Establishments')),
          h('thead', {}, h('tr', {},
            h('th', {scope: 'col', class: 'col-number'}, S('Mã', 'Code')),
            h('th', {scope: 'col'}, S('Tên', 'Name')),
            h('th', {scope: 'col'}, S('Loại', 'Kind')),
            h('th', {scope: 'col'}, S('Xã', 'Commune')),
            h('th', {scope: 'col'}, S('Huyện', 'District')),
            h('th', {scope: 'col', class: 'num'}, S('Số lần kiểm tra', 'Visits')),
            h('th', {scope: 'col'}, S('Lần cuối', 'Last visit')))),
          h('tbody', {}, rows.map((r) => h('tr', {'data-id': r.id, 'data-code': r.code},
            h('td', {class: 'nowrap'}, h('a', {href: '/establishments/' + FC.enc(r.code || r.id), class: 'row-link'}, r.code || r.id)),
            h('td', {}, r.name || '', r.address ? h('span', {class: 'muted block'}, r.address) : null),
            h('td', {}, FC.t(r.kind)),
            h('td', {}, FC.t(r.commune && r.commune.name)),
            h('td', {}, FC.t(r.district && r.district.name)),
            h('td', {class: 'num'}, FC.count(r.visits || 0)),
            h('td', {class: 'nowrap'}, r.last_visit_text || h('span', {class: 'muted'}, S('chưa kiểm tra', 'never')), ' ', FC.badge(r.last_state)))))))
          : FC.empty(S('Không có cơ sở nào khớp.', 'No establishment matches.'), 'establishments-empty'),
        rows.length ? FC.pager(f.page, kPerPage, data.total, false, (page) => {
          const forward = page > f.page;
          f.page = page;
          reload(false, forward ? 'page-next' : 'page-prev');
        }) : null);
    }

    await load();
    ctx.draw(() => {
      results = h('div', {class: 'results', id: 'establishments-results'});
      const nodes = [FC.heading(S('Cơ sở', 'Establishments')), filters(), results];
      drawResults();
      return nodes;
    });
  }

  async function screenEstablishment(ctx) {
    const ref = ctx.params[0];
    const data = await ctx.load('GET', '/api/establishments/' + FC.enc(ref));
    ctx.draw(() => {
      const visits = data.visits || [];
      return [
        h('p', {class: 'breadcrumb'}, h('a', {href: '/establishments'}, S('← Danh sách cơ sở', '← Establishments'))),
        FC.heading([data.code, data.name].filter(Boolean).join(' ')),
        h('p', {class: 'muted'}, FC.t(data.district && data.district.name)),
        h('div', {class: 'record-body record-body--even'},
        h('dl', {class: 'summary-list summary-list--compact', id: 'establishment-fields'}, (data.fields || []).map((x) => h('div', {class: 'summary-list__row'},
          h('dt', {}, FC.t(x.label)), h('dd', {}, FC.valueText(x.shown))))),
        h('section', {class: 'establishment-visits', 'aria-labelledby': 'visits-title'},
          h('h2', {id: 'visits-title'}, S('Các lần kiểm tra', 'Visits') + ' (' + FC.count(visits.length) + ')'),
          visits.length ? h('div', {class: 'table-wrap'}, h('table', {class: 'table table--dense', id: 'establishment-visits', 'data-keys': ''},
            h('thead', {}, h('tr', {},
              h('th', {scope: 'col'}, S('Số phiếu', 'Number')),
              h('th', {scope: 'col'}, S('Ngày kiểm tra', 'Visit day')),
              h('th', {scope: 'col'}, S('Người kiểm tra', 'Inspector')),
              h('th', {scope: 'col'}, S('Trạng thái', 'State')))),
            h('tbody', {}, visits.map((r) => h('tr', {'data-id': r.id, 'data-number': r.number || ''},
              h('td', {}, h('a', {href: FC.inspectionHref(r), class: 'row-link'}, r.number || r.id)),
              h('td', {class: 'nowrap'}, r.day_text || ''),
              h('td', {}, r.inspector || ''),
              h('td', {}, FC.badge(r.state)))))))
            : FC.empty(S('Cơ sở này chưa được kiểm tra.', 'This establishment has not been inspected.'), 'establishment-visits'))),
      ];
    });
  }

  FC.addScreen('establishments', /^\/establishments$/, screenEstablishments);
  FC.addScreen('establishment', /^\/establishments\/([^/]+)$/, screenEstablishment);
})(window.FC);
