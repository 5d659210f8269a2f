// One inspection (/inspections/ID): the Form read-only (shared form.js), photos, history with what changed, approve or return.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const S = (vi, en) => FC.s(vi, en);
  const kChangesShown = 6;  // a revision changing more than this many answers lists them folded

  /// The photo viewer: one <dialog> for the page (Escape and the close button close it; the
  /// focus goes back to the thumbnail that opened it).
  function photoViewer() {
    let dialog = document.getElementById('photo-viewer');
    if (!dialog) {
      dialog = h('dialog', {id: 'photo-viewer', class: 'photo-viewer', 'aria-labelledby': 'photo-viewer-title'});
      document.body.append(dialog);
      dialog.addEventListener('click', (e) => { if (e.target === dialog) dialog.close(); });
    }
    return dialog;
  }

  function openPhoto(photo, opener) {
    const dialog = photoViewer();
    const close = h('button', {type: 'button', class: 'button button--secondary', id: 'photo-viewer-close'}, S('Đóng (Esc)', 'Close (Esc)'));
    close.addEventListener('click', () => dialog.close());
    FC.replace(dialog,
      h('div', {class: 'photo-viewer__bar'},
        h('h2', {id: 'photo-viewer-title', class: 'photo-viewer__title'}, FC.t(photo.label) || photo.sha256),
        h('a', {href: photo.url, target: '_blank', rel: 'noopener', class: 'photo-viewer__open'}, S('Mở ở thẻ mới', 'Open in a new tab')),
        close),
      h('img', {src: photo.url, class: 'photo-viewer__img', alt: FC.t(photo.label) || S('Ảnh', 'Photo')}));
    dialog.addEventListener('close', () => { if (opener && opener.isConnected) opener.focus(); }, {once: true});
    dialog.showModal();
    close.focus();
  }

  async function screenInspection(ctx) {
    const ref = ctx.params[0];
    let data = await ctx.load('GET', '/api/inspections/' + FC.enc(ref));
    let comment = '';
    let commentError = null;  // {vi, en}: why the return was not sent, beside the comment

    function title() {
      const est = data.form && data.form.establishment;
      return (data.number || ref) + (est ? ' · ' + [est.code, est.name].filter(Boolean).join(' ') : '');
    }

    function reviewBox() {
      const may = data.may ? !!data.may.review : (FC.may('review') && data.state && data.state.code === 'submitted');
      const decided = data.review;
      const past = decided ? h('div', {class: 'notice' + (data.state && data.state.code === 'returned' ? ' notice--returned' : ''), id: 'review-decided'},
        h('p', {class: 'notice__title'}, data.state && data.state.code === 'returned'
          ? S('Đã trả lại', 'Returned') : S('Đã duyệt', 'Approved'),
        ' — ', decided.by || '', decided.at_text ? ', ' + decided.at_text : ''),
        decided.comment ? h('p', {class: 'notice__quote'}, decided.comment) : null) : null;
      if (!may) return past ? h('section', {class: 'section', id: 'inspection-review'}, past) : null;

      const textarea = h('textarea', {class: 'textarea', id: 'review-comment', rows: '3',
        'aria-describedby': 'review-comment-hint' + (commentError ? ' review-comment-error' : '')}, comment);
      textarea.addEventListener('input', () => { comment = textarea.value; });
      const approve = h('button', {type: 'button', class: 'button button--primary', id: 'review-approve'}, S('Duyệt phiếu', 'Approve'));
      const back = h('button', {type: 'button', class: 'button button--secondary', id: 'review-return'}, S('Trả lại cho người kiểm tra', 'Return to the inspector'));
      approve.addEventListener('click', FC.busy(approve, () => decide(true)));
      back.addEventListener('click', FC.busy(back, () => decide(false)));
      return h('section', {class: 'section review-box', id: 'inspection-review', 'aria-labelledby': 'review-title'},
        h('h2', {id: 'review-title'}, S('Quyết định', 'Decision')),
        past,
        h('div', {class: 'field' + (commentError ? ' field--error' : '')},
          h('label', {class: 'label', for: 'review-comment'}, S('Ý kiến (bắt buộc khi trả lại)', 'Comment (needed to return)')),
          h('span', {class: 'hint', id: 'review-comment-hint'}, S('Nói người kiểm tra cần sửa gì.', 'Tell the inspector what to correct.')),
          commentError ? h('p', {class: 'error-message', id: 'review-comment-error'}, FC.t(commentError)) : null,
          textarea),
        h('div', {class: 'actions'}, approve, ' ', back));
    }

    async function decide(approve) {
      commentError = null;
      if (!approve && !comment.trim()) {
        commentError = {vi: 'Hãy ghi lý do trả lại, để người kiểm tra biết cần sửa gì.',
          en: 'Write why the record is returned, so the inspector knows what to correct.'};
        ctx.draw(paint);
        document.getElementById('review-comment').focus();
        throw {status: 422, field: 'review-comment', error: Object.assign({code: 'comment_required', details: []}, commentError)};
      }
      const body = approve ? {approve: true} : {approve: false, comment: comment.trim()};
      try {
        data = await ctx.load('POST', '/api/inspections/' + FC.enc(data.number || ref) + '/review', body);
      } catch (err) {
        if (err && err.status === 422 && !approve && err.error) {
          commentError = err.error;
          err.field = 'review-comment';
          ctx.draw(paint);
          document.getElementById('review-comment').focus();
        }
        throw err;
      }
      comment = '';
      ctx.draw(paint);
      FC.say(approve ? {vi: 'Đã duyệt phiếu ' + (data.number || ref) + '.', en: 'Record ' + (data.number || ref) + ' approved.'}
        : {vi: 'Đã trả lại phiếu ' + (data.number || ref) + ' cho ' + (data.inspector || 'người kiểm tra') + '.',
          en: 'Record ' + (data.number || ref) + ' returned to ' + (data.inspector || 'the inspector') + '.'});
      const state = document.getElementById('inspection-state');
      if (state) { state.setAttribute('tabindex', '-1'); state.focus(); }
    }

    function photos() {
      const list = data.photos || [];
      if (!list.length) return null;
      return h('section', {class: 'section', 'aria-labelledby': 'photos-title'},
        h('h2', {id: 'photos-title'}, S('Ảnh', 'Photos') + ' (' + FC.count(list.length) + ')'),
        h('ul', {class: 'photo-grid', id: 'inspection-photos'}, list.map((p) => {
          const link = h('a', {href: p.url, class: 'photo-thumb', 'data-sha256': p.sha256},
            h('img', {src: p.url, alt: FC.t(p.label) || S('Ảnh', 'Photo'), loading: 'lazy', class: 'photo-thumb__img'}),
            h('span', {class: 'photo-thumb__label'}, FC.t(p.label)));
          link.addEventListener('click', (e) => {
            if (e.ctrlKey || e.metaKey || e.shiftKey) return;
            e.preventDefault();
            openPhoto(p, link);
          });
          return h('li', {}, link);
        })));
    }

    /// What a revision changed: listed, or folded under a summary when it is long (a record's creation).
    function changes(list) {
      if (!list.length) return null;
      const items = h('ul', {class: 'revision__changes'}, list.map((c) => h('li', {},
        h('span', {class: 'revision__label'}, FC.t(c.label)), ': ', h('strong', {}, FC.valueText(c.shown)))));
      if (list.length <= kChangesShown) return items;
      return h('details', {class: 'revision__more'},
        h('summary', {}, FC.count(list.length) + S(' thay đổi', ' changes')), items);
    }

    function history() {
      const list = data.history || [];
      return h('section', {class: 'section', 'aria-labelledby': 'history-title'},
        h('h2', {id: 'history-title'}, S('Lịch sử', 'History')),
        list.length ? h('ol', {class: 'revisions', id: 'inspection-history'}, list.map((r) => h('li', {class: 'revision'},
          h('p', {class: 'revision__title'}, h('strong', {}, FC.t(r.what))),
          h('p', {class: 'muted revision__meta'}, [r.at_text, r.by, r.device ? FC.deviceText(r.device) : null].filter(Boolean).join(' · ')),
          changes(r.changes || []))))
          : FC.empty(S('Chưa có lịch sử.', 'No history yet.'), 'inspection-history'));
    }

    function conflicts() {
      const list = data.conflicts || [];
      if (!list.length) return null;
      return h('div', {class: 'notice notice--warning', id: 'inspection-conflicts'},
        h('p', {class: 'notice__title'}, S('Phiếu này có xung đột chưa giải quyết', 'This record has conflicts to resolve')),
        h('p', {}, list.map((n, i) => [i ? ', ' : null, h('a', {href: '/conflicts/' + FC.enc(n)}, S('Xung đột #', 'Conflict #') + n)])));
    }

    /// The whole screen; the Form by the same renderer as the inspector's app, read-only (the console writes no answers).
    function paint() {
      const nodes = draw();
      try {
        if (data.form) FC.renderForm(formHost, Object.assign({}, data.form, {editable: false}), {ref: data.number || ref});
      } catch (err) {
        console.error('FC.renderForm failed', err);
      }
      return nodes;
    }

    let formHost = null;
    function draw() {
      formHost = h('div', {id: 'inspection-form', class: 'inspection-form'});
      const est = data.form && data.form.establishment;
      return [
        h('p', {class: 'breadcrumb'}, h('a', {href: FC.lastInspections || '/inspections'}, S('← Danh sách phiếu', '← Inspections'))),
        FC.heading(title()),
        h('div', {class: 'record-head__meta'},
          FC.badge(data.state, 'inspection-state'),
          h('span', {}, data.form ? FC.t(data.form.title) : ''),
          h('span', {class: 'muted'}, ' · ' + FC.t(data.district && data.district.name) + (data.inspector ? ' · ' + S('người kiểm tra: ', 'inspector: ') + data.inspector : '')),
          est ? h('a', {href: '/establishments/' + FC.enc(est.code)}, S('Cơ sở ', 'Establishment ') + est.code) : null),
        conflicts(),
        h('div', {class: 'record-body'},
          h('section', {class: 'section record-body__form', 'aria-labelledby': 'form-title'},
            h('h2', {id: 'form-title', class: 'visually-hidden'}, S('Nội dung phiếu', 'The record')),
            formHost),
          h('div', {class: 'record-body__side'}, reviewBox(), photos(), history())),
      ];
    }

    ctx.draw(paint);
  }

  FC.addScreen('inspection', /^\/inspections\/([^/]+)$/, screenInspection);
})(window.FC);
