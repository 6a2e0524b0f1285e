enum DashboardPage {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenPieces</title>
<link rel="icon" href="/favicon.ico" type="image/svg+xml">
<link rel="stylesheet" href="/ui/app.css">
<script src="/ui/app.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="#/chat">OpenPieces</a>
  <nav id="nav" aria-label="Sections" hidden>
    <a href="#/chat">Chat</a><a href="#/services">Services</a><a href="#/workflows">Workflows</a><a href="#/tasks">Tasks</a>
    <a href="#/runs">Runs</a><a href="#/secrets">Secrets</a><a href="#/brain">Brain</a><a href="#/assets">Assets</a>
    <a href="#/settings">Settings</a><a href="#/keys">API keys</a><a href="#/webhooks">Webhooks</a>
    <button type="button" id="logout" class="link">Log out</button>
  </nav>
</header>
<div id="toast" role="alert" aria-live="assertive" hidden></div>
<main id="main" tabindex="-1"></main>
</body>
</html>
"""#

    static let icon = ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1f6feb"/><path d="M9 9h9a5 5 0 0 1 0 10h-5v4H9z" fill="#fff"/></svg>"##
}
