// Photo and signature fields: pick, drop or take a picture, or sign on a pad; scaled to 2 megapixels at most and uploaded.
'use strict';
window.FC = window.FC || {};

(function (FC) {
  const h = FC.h;
  const kMaxPixels = 2000000;           // larger images are scaled down to this many pixels
  const kMaxUploadBytes = 20 * 1024 * 1024;  // the server takes no image larger than this
  const kJpegQuality = 0.85;
  const kSignatureWidthPx = 600;        // the pad's drawing size (CSS scales it to the column)
  const kSignatureHeightPx = 200;
  const kSignaturePauseMs = 800;        // a signature is saved this long after a stroke ends

  /// What a pad held when its signature was saved, by record and question: the pad made anew for
  /// the Form that names that signature shows it again, so a stroke added after a pause adds to it.
  const pads = new Map();

  function failure(vi, en) {
    return {error: {vi, en, details: []}};
  }

  function canvasToBlob(canvas, type, quality) {
    return new Promise((resolve, reject) => {
      canvas.toBlob((blob) => blob ? resolve(blob)
        : reject(failure('Không tạo được ảnh (máy thiếu bộ nhớ?).', 'The picture could not be made (out of memory?).')),
      type, quality);
    });
  }

  /// An image ready to upload: a JPEG or PNG of at most 2,000,000 pixels and 20 MB, as it is when
  /// it already is one, else drawn smaller (same aspect ratio) and re-encoded as JPEG quality 0.85.
  /// Rejects with {error: {vi, en}} when the file is not an image the browser can read.
  FC.scaleImage = async function scaleImage(blob) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(blob, {imageOrientation: 'from-image'});
    } catch (e) {
      throw failure('Không đọc được tệp này như một ảnh. Hãy chọn ảnh JPEG hoặc PNG.',
                    'This file cannot be read as a picture. Choose a JPEG or PNG image.');
    }
    try {
      const pixels = bitmap.width * bitmap.height;
      const sendable = (blob.type === 'image/jpeg' || blob.type === 'image/png') && blob.size <= kMaxUploadBytes;
      if (pixels <= kMaxPixels && sendable) return blob;
      const scale = Math.min(1, Math.sqrt(kMaxPixels / pixels));
      let width = Math.max(1, Math.floor(bitmap.width * scale));
      let height = Math.max(1, Math.floor(bitmap.height * scale));
      while (width * height > kMaxPixels) {  // rounding may leave a few pixels over
        if (width >= height) width -= 1; else height -= 1;
      }
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext('2d');
      context.fillStyle = '#ffffff';  // transparent PNG areas become white, not black, in a JPEG
      context.fillRect(0, 0, width, height);
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = 'high';
      context.drawImage(bitmap, 0, 0, width, height);
      return await canvasToBlob(canvas, 'image/jpeg', kJpegQuality);
    } finally {
      bitmap.close();
    }
  };

  // A picture dropped beside a drop zone would make the browser open it in place of the app.
  for (const type of ['dragover', 'drop']) {
    document.addEventListener(type, (e) => {
      const files = e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
      if (files && !(e.target instanceof Element && e.target.closest('.fc-drop'))) {
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'none';
      }
    });
  }

  function sizeText(bytes) {
    const mb = bytes / (1024 * 1024);
    const text = mb >= 1 ? mb.toFixed(1) + ' MB' : Math.max(1, Math.round(bytes / 1024)) + ' KB';
    return FC.lang === 'vi' ? text.replace('.', ',') : text;
  }

  /// The field of a `photo` or `signature` question (see API.md's Question): the current photo,
  /// and when `form.editable`, a file picker, a drop zone, the camera (when the browser has one)
  /// and, for signatures, a pad to sign on. Every image goes through FC.scaleImage, then
  /// POST /api/inspections/REF/photo?question=ID; the Form answered goes to onForm(form).
  /// onUnsaved(bool) hears when a signature drawn is waiting to be saved, and when it no longer is.
  /// The node returned has fcSetMessage(node|null) (the error shown under the hint), fcDispose()
  /// (stops the camera) and fcFlush(keepalive) (saves a signature drawn now; a promise).
  FC.photoField = function photoField(question, form, onForm, onUnsaved) {
    const unsavedNow = (on) => { if (typeof onUnsaved === 'function') onUnsaved(on); };
    const id = question.id;
    const editable = !!form.editable;
    const hintId = question.hint ? `hint-${id}` : null;
    const statusId = `photo-status-${id}`;
    const messageSlot = h('div', {class: 'fc-photo__message'});
    const status = h('p', {class: 'fc-photo__status', id: statusId, role: 'status', 'aria-live': 'polite'});
    let stream = null;

    const currentSlot = h('div', {class: 'fc-photo__shown'}, current());
    const root = h(editable ? 'fieldset' : 'div', {class: 'fc-fieldset fc-photo' + (question.type === 'signature' ? ' fc-photo--signature' : '')},
      h(editable ? 'legend' : 'h3', {class: 'fc-label fc-legend'}, FC.t(question.label),
        question.required || !editable ? null : h('span', {class: 'fc-optional'}, FC.s(' (không bắt buộc)', ' (optional)'))),
      question.hint ? h('div', {class: 'fc-hint', id: hintId}, FC.t(question.hint)) : null,
      messageSlot,
      currentSlot);

    let fileInput = null;
    // Declared before the read-only return: stopCamera (fcDispose) reads it either way.
    let cameraPanel = null;
    let flushPad = null;  // the pad's: saves a signature drawn and not saved yet
    let sending = null;   // the upload running, if any
    root.fcFlush = (keepalive) => (flushPad ? flushPad(keepalive) : null) || sending || Promise.resolve();
    const describe = (messageId) => [hintId, messageId, statusId].filter(Boolean).join(' ');
    root.fcSetMessage = (node) => {
      FC.replace(messageSlot, node);
      if (fileInput) fileInput.setAttribute('aria-describedby', describe(node && node.id));
    };
    root.fcDispose = () => stopCamera();
    if (!editable) return root;

    fileInput = h('input', {class: 'fc-file__input fc-visually-hidden', type: 'file',
      id: `input-${id}`, name: `photo-${id}`, accept: 'image/jpeg,image/png', 'aria-describedby': describe(null)});
    const fileLabel = h('label', {class: 'fc-button fc-button--secondary fc-file__label', for: `input-${id}`},
      question.photo ? FC.s('Chọn ảnh khác từ máy', 'Choose another picture file') : FC.s('Chọn ảnh từ máy', 'Choose a picture file'));
    fileInput.addEventListener('change', () => {
      const file = fileInput.files && fileInput.files[0];
      if (file) send(file);
      fileInput.value = '';
    });

    const drop = h('div', {class: 'fc-drop'},
      h('p', {class: 'fc-drop__text'}, FC.s('Kéo thả ảnh vào đây, hoặc', 'Drag and drop a picture here, or')),
      h('div', {class: 'fc-photo__actions'}, fileInput, fileLabel, cameraButton()));
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      drop.classList.add('fc-drop--over');
    });
    drop.addEventListener('dragleave', (e) => {
      if (!drop.contains(e.relatedTarget)) drop.classList.remove('fc-drop--over');
    });
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('fc-drop--over');
      const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
      if (file) send(file);
    });

    cameraPanel = h('div', {class: 'fc-camera', hidden: true});
    if (question.type === 'signature') root.append(signaturePad());
    root.append(drop, cameraPanel, status);
    return root;

    // ---- the parts ----

    function current() {
      const photo = question.photo;
      if (!photo) {
        return h('p', {class: 'fc-photo__none'}, question.type === 'signature'
          ? FC.s('Chưa có chữ ký.', 'No signature yet.') : FC.s('Chưa có ảnh.', 'No picture yet.'));
      }
      const name = photo.name || photo.sha256;
      // Synced from a colleague's laptop: the record names it, the server holds it.
      if (photo.local === false) return remote(photo, name);
      return figure(photo, name);
    }

    function figure(photo, name) {
      return h('figure', {class: 'fc-photo__current'},
        h('a', {href: photo.url, target: '_blank', rel: 'noopener', class: 'fc-photo__link', id: `photo-link-${id}`},
          h('img', {class: 'fc-photo__thumb', src: photo.url,
                    alt: FC.s('Ảnh hiện tại: ', 'Current picture: ') + name}),
          h('span', {class: 'fc-visually-hidden'}, FC.s(' (mở ảnh cỡ lớn)', ' (open full size)'))),
        h('figcaption', {class: 'fc-photo__name'}, name));
    }

    /// A picture only the server holds: said so, with a button that brings it to this laptop
    /// (POST /api/photos/SHA/fetch), after which its thumbnail shows.
    function remote(photo, name) {
      const noteId = `fetch-status-${id}`;
      const note = h('p', {class: 'fc-photo__status', id: noteId, role: 'status', 'aria-live': 'polite'});
      const button = h('button', {class: 'fc-button fc-button--secondary', type: 'button', id: `fetch-${id}`,
                                  'aria-describedby': noteId}, FC.s('Tải ảnh về máy này', 'Download this photo'));
      button.addEventListener('click', async () => {
        button.disabled = true;
        note.className = 'fc-photo__status';
        FC.replace(note, FC.s('Đang tải ảnh về máy này…', 'Downloading the photo to this laptop…'));
        try {
          await FC.api('POST', `/api/photos/${encodeURIComponent(photo.sha256)}/fetch`, {});
          photo.local = true;
          FC.replace(currentSlot, figure(photo, name));
          const link = document.getElementById(`photo-link-${id}`);
          if (link && root.contains(link)) link.focus();
        } catch (e) {
          button.disabled = false;
          const error = (e && e.error) || {vi: 'lỗi', en: 'error'};
          const details = (error.details || []).map((d) => FC.t(d)).filter(Boolean);
          note.className = 'fc-photo__status fc-photo__status--error';
          FC.replace(note, FC.s('Chưa tải được ảnh: ', 'The photo was not downloaded: ') + [FC.t(error)].concat(details).join(' '));
        }
      });
      return h('div', {class: 'fc-photo__remote'},
        h('p', {class: 'fc-photo__none'}, name + FC.s(': ảnh có trên máy chủ, chưa tải về máy này.',
                                                        ': the picture is on the server, not on this laptop yet.')),
        h('div', {class: 'fc-photo__actions'}, button),
        note);
    }

    function say(text, kind) {
      status.className = 'fc-photo__status' + (kind ? ' fc-photo__status--' + kind : '');
      FC.replace(status, text);
    }

    function busy(on) {
      root.classList.toggle('fc-photo--busy', on);
      for (const el of root.querySelectorAll('button, input')) el.disabled = on;
    }

    /// Scales and uploads one image; the Form answered goes to onForm. options: {scaled: true when
    /// it needs no scaling, signature: {say(text, kind), saved(form)} for a signature drawn on the pad}.
    function send(blob, options) {
      options = options || {};
      const tell = options.signature ? options.signature.say : say;
      sending = (async () => {
        busy(true);
        try {
          if (options.signature) {
            tell(FC.s('Đang lưu chữ ký…', 'Saving the signature…'));
          } else {
            say(FC.s('Đang chuẩn bị ảnh…', 'Preparing the picture…'));
          }
          const ready = options.scaled ? blob : await FC.scaleImage(blob);
          if (!options.signature) {
            say(FC.s(`Đang tải ảnh lên (${sizeText(ready.size)})…`, `Uploading the picture (${sizeText(ready.size)})…`));
          }
          const answered = await FC.api('POST', uploadPath(), ready, ready.type || 'application/octet-stream');
          if (options.signature) options.signature.saved(answered);
          else say(FC.s('Đã lưu ảnh.', 'Picture saved.'), 'saved');
          busy(false);
          stopCamera();
          if (typeof onForm === 'function') onForm(answered);
        } catch (e) {
          busy(false);
          if (options.signature) options.signature.failed();
          const error = (e && e.error) || {vi: 'lỗi', en: 'error'};
          const details = (error.details || []).map((d) => FC.t(d)).filter(Boolean);
          tell((options.signature ? FC.s('Chưa lưu chữ ký: ', 'Signature not saved: ') : FC.s('Chưa lưu ảnh: ', 'Picture not saved: ')) +
               [FC.t(error)].concat(details).join(' '), 'error');
        } finally {
          sending = null;
        }
      })();
      return sending;
    }

    function uploadPath() {
      const ref = encodeURIComponent(form.number || form.id);
      return `/api/inspections/${ref}/photo?question=${encodeURIComponent(id)}`;
    }

    function cameraButton() {
      if (!(navigator.mediaDevices && typeof navigator.mediaDevices.getUserMedia === 'function')) return null;
      const button = h('button', {class: 'fc-button fc-button--secondary', type: 'button', id: `camera-${id}`},
        FC.s('Chụp ảnh', 'Take a photo'));
      button.addEventListener('click', openCamera);
      return button;
    }

    async function openCamera() {
      if (stream) return;
      say(FC.s('Đang mở máy ảnh…', 'Opening the camera…'));
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: {facingMode: 'environment', width: {ideal: 1920}, height: {ideal: 1080}}, audio: false});
      } catch (e) {
        stream = null;
        const name = e && e.name;
        say(name === 'NotAllowedError' || name === 'SecurityError'
          ? FC.s('Không được phép dùng máy ảnh. Hãy chọn ảnh từ máy.', 'Camera permission was refused. Choose a picture file instead.')
          : name === 'NotFoundError' || name === 'OverconstrainedError'
            ? FC.s('Không tìm thấy máy ảnh. Hãy chọn ảnh từ máy.', 'No camera found. Choose a picture file instead.')
            : FC.s('Không mở được máy ảnh. Hãy chọn ảnh từ máy.', 'The camera could not be opened. Choose a picture file instead.'),
        'error');
        return;
      }
      const video = h('video', {class: 'fc-camera__video', autoplay: true, playsinline: true,
                                'aria-label': FC.s('Hình từ máy ảnh', 'Camera preview')});
      video.muted = true;
      video.srcObject = stream;
      const take = h('button', {class: 'fc-button fc-button--primary', type: 'button', id: `capture-${id}`},
        FC.s('Chụp', 'Capture'));
      const cancel = h('button', {class: 'fc-button fc-button--secondary', type: 'button'}, FC.s('Huỷ', 'Cancel'));
      take.addEventListener('click', async () => {
        if (!video.videoWidth) return;
        const canvas = h('canvas', {width: video.videoWidth, height: video.videoHeight});
        canvas.getContext('2d').drawImage(video, 0, 0);
        let blob;
        try {
          blob = await canvasToBlob(canvas, 'image/jpeg', kJpegQuality);
        } catch (e) {
          say(FC.t(e.error), 'error');
          return;
        }
        send(blob);
      });
      cancel.addEventListener('click', () => { stopCamera(); say(''); });
      FC.replace(cameraPanel, video, h('div', {class: 'fc-camera__actions'}, take, cancel));
      cameraPanel.hidden = false;
      say(FC.s('Máy ảnh đã mở: bấm “Chụp”.', 'The camera is on: press “Capture”.'));
      take.focus();
    }

    function stopCamera() {
      if (stream) for (const track of stream.getTracks()) track.stop();
      stream = null;
      if (cameraPanel) {
        cameraPanel.hidden = true;
        cameraPanel.replaceChildren();
      }
    }

    // ---- the signature pad ----

    /// The pad: a signature is saved by itself 0.8 s after a stroke ends (another stroke started
    /// before then waits with it); "Clear" empties the pad to sign again (the new one replaces the old).
    function signaturePad() {
      const padKey = `${form.id}|${id}`;
      const padStatusId = `pad-status-${id}`;
      const padStatus = h('p', {class: 'fc-signature__status', id: padStatusId, role: 'status', 'aria-live': 'polite'});
      const padSay = (text, kind) => {
        padStatus.className = 'fc-signature__status' + (kind ? ' fc-signature__status--' + kind : '');
        FC.replace(padStatus, text);
      };
      const canvas = h('canvas', {class: 'fc-signature__canvas', id: `pad-${id}`,
        width: kSignatureWidthPx, height: kSignatureHeightPx, role: 'img', 'aria-describedby': padStatusId,
        'aria-label': FC.s('Khung ký tên: ký bằng chuột, ngón tay hoặc bút', 'Signature pad: sign with the mouse, a finger or a pen')});
      const context = canvas.getContext('2d');
      context.lineCap = 'round';
      context.lineJoin = 'round';
      context.strokeStyle = '#0b0c0c';
      let inked = false;
      let unsaved = false;  // strokes drawn since the last save
      let timer = null;
      let drawing = null;  // the pointer drawing and its last point

      // The signature this Form names, as it was drawn here: shown again on the pad.
      const kept = pads.get(padKey);
      if (kept && question.photo && kept.sha256 === question.photo.sha256) {
        context.putImageData(kept.image, 0, 0);
        inked = true;
        if (!kept.told) {
          kept.told = true;
          padSay(FC.s('Đã lưu chữ ký.', 'Signature saved.'), 'saved');
        }
      }

      const point = (e) => {
        const rect = canvas.getBoundingClientRect();
        return {x: (e.clientX - rect.left) * canvas.width / rect.width,
                y: (e.clientY - rect.top) * canvas.height / rect.height,
                pressure: e.pointerType === 'pen' && e.pressure > 0 ? e.pressure : 0.5};
      };
      const line = (from, to) => {
        context.lineWidth = 1.2 + to.pressure * 3;
        context.beginPath();
        context.moveTo(from.x, from.y);
        context.lineTo(to.x, to.y);
        context.stroke();
      };
      canvas.addEventListener('pointerdown', (e) => {
        if (e.button !== 0 && e.pointerType === 'mouse') return;
        e.preventDefault();
        clearTimeout(timer);
        timer = null;
        canvas.setPointerCapture(e.pointerId);
        const p = point(e);
        drawing = {pointerId: e.pointerId, last: p};
        line(p, {x: p.x + 0.01, y: p.y + 0.01, pressure: p.pressure});  // a dot for a tap
        inked = true;
        unsaved = true;
      });
      canvas.addEventListener('pointermove', (e) => {
        if (!drawing || e.pointerId !== drawing.pointerId) return;
        e.preventDefault();
        const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
        for (const each of events.length ? events : [e]) {
          const p = point(each);
          line(drawing.last, p);
          drawing.last = p;
        }
      });
      const end = (e) => {
        if (!drawing || e.pointerId !== drawing.pointerId) return;
        drawing = null;
        padSay(FC.s('Chưa lưu chữ ký…', 'Signature not saved yet…'));
        unsavedNow(true);
        clearTimeout(timer);
        timer = setTimeout(() => saveSignature(false), kSignaturePauseMs);
      };
      canvas.addEventListener('pointerup', end);
      canvas.addEventListener('pointercancel', end);

      /// Uploads what the pad holds; with `keepalive` (the page is going away) at once, synchronously.
      const saveSignature = (keepalive) => {
        clearTimeout(timer);
        timer = null;
        if (!unsaved || !inked) return sending;
        unsaved = false;
        unsavedNow(false);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        const saved = (answered) => {
          let sha256 = null;
          for (const section of (answered && answered.sections) || []) {
            for (const q of section.questions || []) if (q.id === id && q.photo) sha256 = q.photo.sha256;
          }
          if (sha256) pads.set(padKey, {sha256, image, told: false});
          padSay(FC.s('Đã lưu chữ ký.', 'Signature saved.'), 'saved');
        };
        if (keepalive) {
          const bytes = atob(canvas.toDataURL('image/png').split(',')[1]);
          const data = new Uint8Array(bytes.length);
          for (let i = 0; i < bytes.length; i += 1) data[i] = bytes.charCodeAt(i);
          const request = fetch(uploadPath(), {method: 'POST', credentials: 'same-origin', keepalive: true,
            headers: {'Content-Type': 'image/png'}, body: new Blob([data], {type: 'image/png'})});
          sending = request.then(async (response) => {
            if (!response.ok) { unsaved = true; unsavedNow(true); return; }
            const answered = await response.json();
            saved(answered);
            if (typeof onForm === 'function') onForm(answered);
          }).catch(() => { unsaved = true; unsavedNow(true); }).finally(() => { sending = null; });
          return sending;
        }
        // Not saved: it stays to save (at the next stroke, on finalize, or as the page is hidden).
        const failed = () => { unsaved = true; unsavedNow(true); };
        return canvasToBlob(canvas, 'image/png')
          .then((blob) => send(blob, {scaled: true, signature: {say: padSay, saved, failed}}))
          .catch((e) => { failed(); padSay(FC.t(e && e.error), 'error'); });
      };
      flushPad = (keepalive) => (unsaved ? saveSignature(keepalive) : null);

      const clear = h('button', {class: 'fc-button fc-button--secondary', type: 'button', id: `pad-clear-${id}`},
        FC.s('Xoá', 'Clear'));
      clear.addEventListener('click', () => {
        context.clearRect(0, 0, canvas.width, canvas.height);
        clearTimeout(timer);
        timer = null;
        inked = false;
        unsaved = false;
        unsavedNow(false);
        pads.delete(padKey);
        padSay(question.photo
          ? FC.s('Hãy ký vào khung. Chữ ký mới được lưu tự động và thay chữ ký đã lưu.',
                 'Sign in the box. The new signature is saved by itself and replaces the one saved.')
          : FC.s('Hãy ký vào khung. Chữ ký được lưu tự động khi ký xong.',
                 'Sign in the box. The signature is saved by itself once drawn.'));
      });
      return h('div', {class: 'fc-signature'},
        h('p', {class: 'fc-signature__text'}, FC.s('Ký vào khung dưới đây (chữ ký được lưu tự động khi ký xong):',
                                                   'Sign in the box below (the signature is saved by itself once drawn):')),
        canvas,
        h('div', {class: 'fc-signature__actions'}, clear, padStatus),
        h('p', {class: 'fc-signature__or'}, FC.s('Hoặc dùng ảnh chụp chữ ký:', 'Or use a picture of the signature:')));
    }
  };
})(window.FC);
