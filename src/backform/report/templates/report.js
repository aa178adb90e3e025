(function(){
  var data = JSON.parse(document.getElementById('session-data').textContent);
  // self-check: the table shows exactly the reps of session.json
  var rows = document.querySelectorAll('#reps tbody tr'), ok = rows.length === data.reps.length;
  rows.forEach(function(tr, i){
    var r = data.reps[i]; if (!r) { ok = false; return; }
    var n = tr.querySelector('[data-field=n]').textContent.trim();
    var h = tr.querySelector('[data-field=hold_s]').textContent.trim();
    if (String(r.n) !== n || (r.hold_s == null ? '\u2013' : r.hold_s.toFixed(2)) !== h) ok = false;
  });
  document.body.setAttribute('data-check', ok ? 'ok' : 'mismatch');
  document.body.setAttribute('data-plots', String(document.querySelectorAll('svg.plot').length));
  // hovering a rep row highlights its span in every plot
  rows.forEach(function(tr){
    var n = tr.getAttribute('data-n');
    tr.addEventListener('mouseenter', function(){
      tr.classList.add('hl');
      document.querySelectorAll('svg .rep-band[data-n="'+n+'"]').forEach(function(b){ b.classList.add('hl'); });
    });
    tr.addEventListener('mouseleave', function(){
      tr.classList.remove('hl');
      document.querySelectorAll('svg .rep-band.hl').forEach(function(b){ b.classList.remove('hl'); });
    });
  });
  // a time cursor follows the mouse across the plots
  document.querySelectorAll('svg.plot').forEach(function(svg){
    svg.addEventListener('mousemove', function(e){
      var pt = svg.createSVGPoint(); pt.x = e.clientX; pt.y = e.clientY;
      var p = pt.matrixTransform(svg.getScreenCTM().inverse());
      document.querySelectorAll('svg.plot .cursor').forEach(function(c){ c.setAttribute('x1', p.x); c.setAttribute('x2', p.x); });
    });
  });
})();
