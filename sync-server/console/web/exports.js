// Exports (/exports): CSV, XLSX and JSON Lines downloads with their filters, the plan report, USB bundles brought in and their receipts.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);

  const kKinds = [
    ['inspection', 'Phiếu kiểm tra', 'Inspections'],
    ['establishment', 'Cơ sở', 'Establishments'],
    ['report', 'Báo cáo định kỳ', 'Periodic reports'],
    ['conflict', 'Xung đột', 'Conflicts'],
  ];

  async function screenExports(ctx) {
    const f = {district: ctx.query.get('district') || '', from: ctx.query.get('since') || ''};
    let lang = ctx.query.get('lang') === 'en' || ctx.query.get('lang') === 'vi' ? ctx.query.get('lang') : FC.lang;
    const places = await FC.places().catch(() => ({districts: []}));
    const planPath = () => '/api/plan-report' + (f.district ? '?district=' + FC.enc(f.district) : '');
    let plan = await ctx.load('GET', planPath()).catch((err) => ({failed: err}));
    let imported = null;  // the last bundle's answer

    function links() {
      const filters = {district: f.district, since: f.from};
      for (const a of document.querySelectorAll('a.export-link')) {
        const href = FC.exportHref(a.dataset.kind, a.dataset.format, filters).replace(/([?&])lang=[^&]*/, '$1lang=' + lang);
        a.setAttribute('href', href);
      }
    }

    function downloads() {
      if (!FC.may('export')) return null;
      const district = FC.districtSelect('x-district', places, f.district);
      const from = h('input', {class: 'input input--date', id: 'x-from', type: 'date', value: f.from});
      const language = FC.select('x-lang', [{value: 'vi', text: 'Tiếng Việt'}, {value: 'en', text: 'English'}], lang);
      const changed = async () => {
        f.district = district.value;
        f.from = from.value;
        lang = language.value;
        ctx.setQuery({district: f.district, since: f.from, lang: lang !== FC.lang ? lang : ''}, {replace: true});
        links();
      };
      district.addEventListener('change', async () => {
        await changed();
        try {
          plan = await ctx.load('GET', planPath());
        } catch (err) {
          if (err === FC.kStale) return;
          plan = {failed: err};
        }
        const old = document.getElementById('plan-section');
        if (old) old.replaceWith(planSection());
      });
      from.addEventListener('change', changed);
      language.addEventListener('change', changed);
      const filters = {district: f.district, since: f.from};
      return h('section', {class: 'section', 'aria-labelledby': 'exports-title'},
        h('h2', {id: 'exports-title'}, S('Tải dữ liệu về', 'Download data')),
        h('form', {class: 'filters', id: 'exports-filters', onsubmit: (e) => e.preventDefault()},
          (places.districts || []).length > 1 ? FC.field('x-district', S('Huyện', 'District'), district) : null,
          FC.field('x-from', S('Thay đổi từ ngày', 'Changed since'), from),
          FC.field('x-lang', S('Ngôn ngữ của tệp', 'Language of the file'), language)),
        h('table', {class: 'table table--dense table--exports', id: 'exports-table'},
          h('caption', {class: 'visually-hidden'}, S('Các tệp có thể tải về', 'Files to download')),
          h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, S('Dữ liệu', 'Data')),
            FC.kExportFormats.map(([, label]) => h('th', {scope: 'col'}, label)))),
          h('tbody', {}, kKinds.map(([kind, vi, en]) => h('tr', {'data-kind': kind},
            h('th', {scope: 'row'}, S(vi, en)),
            FC.kExportFormats.map(([format, label]) => h('td', {},
              h('a', {class: 'export-link', id: 'export-' + kind + '-' + format, 'data-kind': kind, 'data-format': format, download: '',
                href: FC.exportHref(kind, format, filters).replace(/([?&])lang=[^&]*/, '$1lang=' + lang)},
              label, h('span', {class: 'visually-hidden'}, ' — ' + S(vi, en))))))))),
        h('p', {class: 'hint'}, S('Excel mở được cả CSV và XLSX; XLSX in vừa khổ A4 ngang. Tệp ghi theo bộ lọc ở trên.',
          'Excel opens both CSV and XLSX; XLSX prints fitted to landscape A4. Files follow the filters above.')));
    }

    function planSection() {
      const href = (plan && plan.html_url) || ('/api/plan-report.html' + (f.district ? '?district=' + FC.enc(f.district) : ''));
      const targets = (plan && plan.targets) || [];
      return h('section', {class: 'section', id: 'plan-section', 'aria-labelledby': 'plan-title'},
        h('h2', {id: 'plan-title'}, S('Báo cáo kết quả thực hiện kế hoạch', 'The plan report')),
        h('p', {}, h('a', {href, target: '_blank', rel: 'noopener', id: 'plan-report-link', class: 'button button--secondary'},
          S('Mở báo cáo để in (khổ A4)', 'Open the report to print (A4)'))),
        plan && plan.failed ? h('div', {class: 'alert alert--shown', role: 'alert'}, FC.errorNodes(plan.failed))
          : targets.length ? h('table', {class: 'table table--dense', id: 'plan-report'},
            h('caption', {class: 'visually-hidden'}, S('Các chỉ tiêu', 'Targets')),
            h('thead', {}, h('tr', {},
              h('th', {scope: 'col'}, S('Chỉ tiêu', 'Target')),
              h('th', {scope: 'col', class: 'num'}, S('Kết quả', 'Result')),
              h('th', {scope: 'col', class: 'num'}, S('Mục tiêu', 'Goal')),
              h('th', {scope: 'col'}, S('Đánh giá', 'Assessment')))),
            h('tbody', {}, targets.map((t) => h('tr', {},
              h('th', {scope: 'row'}, FC.t(t.label)),
              h('td', {class: 'num'}, t.total_text || ''),
              h('td', {class: 'num'}, FC.t(t.goal_text)),
              h('td', {}, t.met ? h('span', {class: 'tag tag--sent'}, '✓ ' + S('Đạt', 'Met')) : h('span', {class: 'tag tag--unsent'}, S('Chưa đạt', 'Not met')))))))
            : FC.empty(S('Chưa có chỉ tiêu nào.', 'No targets yet.'), 'plan-report'));
    }

    function bundles() {
      if (!FC.may('import_bundles')) return null;
      const input = h('input', {type: 'file', id: 'bundle-file', class: 'file-input visually-hidden', accept: '.fcb,application/octet-stream',
        'aria-describedby': 'bundle-hint bundle-chosen'});
      const chosen = h('span', {class: 'file-chosen muted', id: 'bundle-chosen'}, S('Chưa chọn tệp nào.', 'No file chosen yet.'));
      input.addEventListener('change', () => {
        const file = input.files && input.files[0];
        chosen.classList.toggle('muted', !file);
        chosen.textContent = file ? S('Đã chọn: ', 'Chosen: ') + file.name : S('Chưa chọn tệp nào.', 'No file chosen yet.');
      });
      const upload = h('button', {type: 'submit', class: 'button button--primary', id: 'bundle-upload'}, S('Nhập gói', 'Import the bundle'));
      const form = h('form', {class: 'bundle-form', id: 'bundle-form', novalidate: true},
        h('div', {class: 'field'},
          h('p', {class: 'label', id: 'bundle-label'}, S('Gói USB từ máy kiểm tra', 'A USB bundle from a laptop')),
          h('p', {class: 'hint', id: 'bundle-hint'}, S('Tệp máy kiểm tra ghi ra khi không có mạng (fieldcheck bundle). Sau khi nhập, tải biên nhận về và mang lại cho máy đó.',
            'The file a laptop wrote offline (fieldcheck bundle). Once imported, download the receipt and carry it back to that laptop.')),
          h('div', {class: 'file-pick'}, input,
            h('label', {for: 'bundle-file', class: 'button button--secondary file-label'}, S('Chọn tệp gói…', 'Choose the bundle file…')),
            chosen)),
        h('div', {class: 'actions'}, upload),
        h('div', {id: 'bundle-result-slot'}, result()));
      form.addEventListener('submit', FC.busy(upload, async () => {
        const file = input.files && input.files[0];
        if (!file) {
          input.focus();
          throw {status: 0, field: 'bundle-file', error: {code: 'bundle_missing', vi: 'Hãy chọn tệp gói trước.', en: 'Choose the bundle file first.', details: []}};
        }
        imported = null;  // the last bundle's outcome goes: this one's replaces it, or the error says why not
        FC.replace(document.getElementById('bundle-result-slot'));
        imported = await ctx.load('POST', '/api/bundles', file, 'application/octet-stream');
        FC.replace(document.getElementById('bundle-result-slot'), result());
        const done = document.getElementById('bundle-result');
        if (done) done.focus();
      }));
      return h('section', {class: 'section', 'aria-labelledby': 'bundles-title'},
        h('h2', {id: 'bundles-title'}, S('Nhập gói USB', 'Import a USB bundle')), form);
    }

    function result() {
      if (!imported) return null;
      const n = (x) => FC.count(x || 0);
      return h('div', {class: 'status-message', id: 'bundle-result', tabindex: '-1'},
        h('p', {}, h('strong', {}, S('Đã nhập gói của ', 'Imported the bundle of ') + (imported.user || '') + '.')),
        h('ul', {},
          h('li', {}, n(imported.entries) + S(' thay đổi đã nhận', ' changes taken')),
          imported.refused ? h('li', {}, n(Array.isArray(imported.refused) ? imported.refused.length : imported.refused) + S(' thay đổi bị từ chối', ' changes refused')) : null,
          h('li', {}, n(imported.attachments) + S(' ảnh', ' photos')),
          h('li', {}, n(imported.pulled) + S(' phiếu/hồ sơ gửi về máy trong biên nhận', ' records sent back to the laptop in the receipt'))),
        imported.receipt_url ? h('p', {}, h('a', {href: imported.receipt_url, id: 'receipt-link', class: 'button button--secondary', download: ''},
          S('Tải biên nhận về', 'Download the receipt')), ' ',
        h('span', {class: 'hint'}, S('Biên nhận giữ trong 1 giờ.', 'The receipt is kept for 1 hour.'))) : null);
    }

    ctx.draw(() => [
      FC.heading(S('Xuất dữ liệu', 'Exports')),
      downloads(),
      planSection(),
      bundles(),
    ]);
  }

  FC.addScreen('exports', /^\/exports$/, screenExports, (me) => me.may.export || me.may.import_bundles);
})(window.FC);
