// The patient status page: built separately, no framework. Filled in by the status screen work.
const root = document.getElementById('status-root');
if (root) root.textContent = 'Smart Token';
