/* ControlZ's HTML (see controlz.h): one layout (header with the instance,
 * a sidebar of topics, the topic's content) and a page per topic, with
 * meshlua's own markup and style. The scopes page changes levels as
 * ControlZ's does: JavaScript PUTs the scope's JSON to /scopej/<scope>, then
 * reloads the table from /scopej/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "controlz_int.h"
#include "html.h"
#include "sysinfo.h"

static const char style[] =
    "*{box-sizing:border-box}\n"
    "body{margin:0;font-family:-apple-system,\"Segoe UI\",Helvetica,Arial,sans-serif;"
    "color:#1f2a37;background:#f4f6f9}\n"
    "header{background:#466bb0;color:#fff;padding:.8em 1.4em;display:flex;"
    "align-items:baseline;gap:1em}\n"
    "header h1{margin:0;font-size:1.3em;font-weight:600}\n"
    "header .instance{opacity:.85;font-family:monospace}\n"
    ".layout{display:flex;min-height:calc(100vh - 3em)}\n"
    "nav{width:15em;background:#fff;border-right:1px solid #dde3ea;padding:1em 0}\n"
    "nav a{display:block;padding:.45em 1.4em;color:#2b4b80;text-decoration:none}\n"
    "nav a.active{background:#e8eef8;font-weight:600;border-left:3px solid #466bb0}\n"
    "main{flex:1;padding:1.2em 2em}\n"
    "main h2{margin-top:0;font-weight:600}\n"
    "table{border-collapse:collapse;background:#fff;box-shadow:0 1px 2px #0001}\n"
    "th,td{padding:.4em .9em;border-bottom:1px solid #e5e9ef;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#eef2f7;font-weight:600}\n"
    "td.mono,td code{font-family:monospace}\n"
    "select{font:inherit;padding:.15em .3em}\n"
    ".note{color:#5b6b7c}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:1em}\n"
    ".cards a{display:block;width:14em;padding:1em;background:#fff;border-radius:4px;"
    "box-shadow:0 1px 2px #0002;color:#2b4b80;text-decoration:none}\n";

static void layout_start(struct controlz *cz, const struct controlz_topic *topic,
                         struct strbuf *out)
{
	strbuf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	                 "<title>");
	html_escape(out, topic ? topic->title : "ControlZ");
	strbuf_puts(out, " - ControlZ</title>\n<style>\n");
	strbuf_puts(out, style);
	strbuf_puts(out, "</style>\n</head>\n<body>\n<header><h1><a href=\"/\" "
	                 "style=\"color:inherit;text-decoration:none\">ControlZ</a></h1>"
	                 "<span class=\"instance\">");
	html_escape(out, cz->instance);
	strbuf_puts(out, "</span></header>\n<div class=\"layout\">\n<nav>\n");
	for (size_t i = 0; i < controlz_topic_count; i++) {
		const struct controlz_topic *t = &controlz_topics[i];
		strbuf_appendf(out, "<a href=\"/%sz/\"%s>", t->prefix,
		               t == topic ? " class=\"active\"" : "");
		html_escape(out, t->title);
		strbuf_puts(out, "</a>\n");
	}
	strbuf_puts(out, "</nav>\n<main>\n<h2>");
	html_escape(out, topic ? topic->title : "ControlZ");
	strbuf_puts(out, "</h2>\n");
}

static void layout_end(struct strbuf *out)
{
	strbuf_puts(out, "</main>\n</div>\n</body>\n</html>\n");
}

static void level_select(struct strbuf *out, const char *cls, enum controlz_level level)
{
	strbuf_appendf(out, "<select class=\"%s\">", cls);
	for (int l = 0; l < 5; l++)
		strbuf_appendf(out, "<option value=\"%s\"%s>%s</option>",
		               controlz_level_name((enum controlz_level)l),
		               l == (int)level ? " selected" : "",
		               controlz_level_name((enum controlz_level)l));
	strbuf_puts(out, "</select>");
}

static const char scopes_script[] =
    "<script>\n"
    "\"use strict\";\n"
    "function rowInfo(tr) {\n"
    "  return {name: tr.dataset.scope,\n"
    "    output_level: tr.querySelector('.output-level').value,\n"
    "    stack_trace_level: tr.querySelector('.stack-trace-level').value,\n"
    "    log_callers: tr.querySelector('.log-callers').checked};\n"
    "}\n"
    "function refreshScopes() {\n"
    "  return fetch('/scopej/').then(r => r.json()).then(list => {\n"
    "    for (const s of list) {\n"
    "      const tr = document.getElementById('scope-' + s.name);\n"
    "      if (!tr) continue;\n"
    "      tr.querySelector('.output-level').value = s.output_level;\n"
    "      tr.querySelector('.stack-trace-level').value = s.stack_trace_level;\n"
    "      tr.querySelector('.log-callers').checked = s.log_callers;\n"
    "      tr.querySelector('.current').textContent = s.output_level;\n"
    "    }\n"
    "    document.getElementById('cz-refreshed').textContent = new Date().toLocaleTimeString();\n"
    "  });\n"
    "}\n"
    "function putScope(tr) {\n"
    "  const status = document.getElementById('cz-status');\n"
    "  const name = tr.dataset.scope;\n"
    "  fetch('/scopej/' + encodeURIComponent(name), {method: 'PUT',\n"
    "      body: JSON.stringify(rowInfo(tr))})\n"
    "    .then(r => { status.textContent = r.status === 202 ?\n"
    "        'scope ' + name + ' updated' : 'update of ' + name + ' failed: ' + r.status;\n"
    "      return refreshScopes(); })\n"
    "    .catch(e => { status.textContent = 'update failed: ' + e; });\n"
    "}\n"
    "for (const el of document.querySelectorAll('#scopes select, #scopes input'))\n"
    "  el.addEventListener('change', e => putScope(e.target.closest('tr')));\n"
    "window.setInterval(refreshScopes, 2000);\n"
    "</script>\n";

static void page_scopes(struct controlz *cz, struct strbuf *out)
{
	strbuf_puts(out, "<p class=\"note\">Logging in istiod is organized in scopes. Each "
	                 "scope has its own output controls: how much it logs, from which "
	                 "level it adds stack traces, whether it names the caller.</p>\n"
	                 "<table id=\"scopes\">\n<thead><tr><th>Scope</th><th>Description</th>"
	                 "<th>Output Level</th><th>Stack Trace Level</th><th>Log Callers?</th>"
	                 "<th>Now</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < controlz_scope_count(cz); i++) {
		struct controlz_scope s;
		if (controlz_scope_at(cz, i, &s) != 0)
			continue;
		/* ids are prefixed: a scope may be called "status" */
		strbuf_puts(out, "<tr id=\"scope-");
		html_escape(out, s.name);
		strbuf_puts(out, "\" data-scope=\"");
		html_escape(out, s.name);
		strbuf_puts(out, "\"><td class=\"mono\">");
		html_escape(out, s.name);
		strbuf_puts(out, "</td><td>");
		html_escape(out, s.description);
		strbuf_puts(out, "</td><td>");
		level_select(out, "output-level", s.output_level);
		strbuf_puts(out, "</td><td>");
		level_select(out, "stack-trace-level", s.stack_trace_level);
		strbuf_appendf(out,
		               "</td><td><input type=\"checkbox\" class=\"log-callers\"%s></td>"
		               "<td class=\"current mono\">%s</td></tr>\n",
		               s.log_callers ? " checked" : "",
		               controlz_level_name(s.output_level));
	}
	strbuf_puts(out,
	            "</tbody>\n</table>\n<p class=\"note\">Last refreshed: <span "
	            "id=\"cz-refreshed\">now</span> &middot; <span id=\"cz-status\"></span></p>\n");
	strbuf_puts(out, scopes_script);
}

/* 12345678 -> "11.8 MiB" */
static void human_bytes(char *buf, size_t cap, unsigned long long v)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	int u = 0;
	while (d >= 1024 && u < 4) {
		d /= 1024;
		u++;
	}
	snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", d, units[u]);
}

static void name_value_table(struct strbuf *out, const struct sysinfo_list *l, const char *h1,
                             const char *h2, int bytes)
{
	strbuf_appendf(out,
	               "<table class=\"kv\">\n<thead><tr><th>%s</th><th>%s</th>%s</tr>"
	               "</thead>\n<tbody>\n",
	               h1, h2, bytes ? "<th>Bytes</th>" : "");
	for (size_t i = 0; i < l->count; i++) {
		strbuf_puts(out, "<tr><td class=\"mono\">");
		html_escape(out, l->names[i]);
		strbuf_puts(out, "</td><td class=\"mono\">");
		if (bytes) {
			char h[32];
			human_bytes(h, sizeof h, strtoull(l->values[i], NULL, 10));
			html_escape(out, h);
			strbuf_puts(out, "</td><td class=\"mono\">");
		}
		html_escape(out, l->values[i]);
		strbuf_puts(out, "</td></tr>\n");
	}
	strbuf_puts(out, "</tbody>\n</table>\n");
}

static void page_mesh(struct controlz *cz, struct strbuf *out)
{
	struct controlz_mesh *m = controlz_current_mesh(cz);
	if (!m) {
		strbuf_puts(out, "<p class=\"note\">No mesh is attached to this ControlZ.</p>\n");
		return;
	}
	strbuf_appendf(out,
	               "<p>Mesh version <b id=\"mesh-version\">%llu</b>: %zu proxies, %zu "
	               "objects in the store.</p>\n",
	               (unsigned long long)m->version, m->proxy_count, m->object_count);
	strbuf_puts(out, "<h3>Proxies</h3>\n<table id=\"proxies\">\n<thead><tr><th>Proxy</th>"
	                 "<th>Kind</th><th>Config version</th><th>Pushes</th></tr></thead>\n"
	                 "<tbody>\n");
	for (size_t i = 0; i < m->proxy_count; i++) {
		strbuf_puts(out, "<tr><td class=\"mono\">");
		html_escape(out, m->proxies[i].name);
		strbuf_puts(out, "</td><td>");
		html_escape(out, m->proxies[i].kind);
		strbuf_appendf(out, "</td><td>%llu</td><td>%llu</td></tr>\n",
		               (unsigned long long)m->proxies[i].config_version,
		               (unsigned long long)m->proxies[i].pushes);
	}
	strbuf_puts(out, "</tbody>\n</table>\n<h3>Objects</h3>\n<table id=\"objects\">\n<thead>"
	                 "<tr><th>Kind</th><th>Namespace</th><th>Name</th>"
	                 "<th>Resource version</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < m->object_count; i++) {
		strbuf_puts(out, "<tr><td>");
		html_escape(out, m->objects[i].kind);
		strbuf_puts(out, "</td><td class=\"mono\">");
		html_escape(out, m->objects[i].namespace_);
		strbuf_puts(out, "</td><td class=\"mono\">");
		html_escape(out, m->objects[i].name);
		strbuf_appendf(out, "</td><td>%llu</td></tr>\n",
		               (unsigned long long)m->objects[i].resource_version);
	}
	strbuf_puts(out, "</tbody>\n</table>\n");
	controlz_mesh_unref(m);
}

static void page_home(struct strbuf *out)
{
	strbuf_puts(out, "<p class=\"note\">ControlZ is istiod's introspection facility: "
	                 "look at and change the state of this (simulated) istiod. Every topic "
	                 "also answers JSON under <code>/&lt;topic&gt;j/</code>.</p>\n"
	                 "<div class=\"cards\">\n");
	for (size_t i = 0; i < controlz_topic_count; i++) {
		strbuf_appendf(out, "<a href=\"/%sz/\">", controlz_topics[i].prefix);
		html_escape(out, controlz_topics[i].title);
		strbuf_puts(out, "</a>\n");
	}
	strbuf_puts(out, "</div>\n");
}

void controlz_page(struct controlz *cz, const struct controlz_topic *topic,
                   struct http_response *resp)
{
	struct strbuf *out = &resp->body;
	struct sysinfo_list l;
	const char *p = topic ? topic->prefix : "";
	sysinfo_init(&l);
	layout_start(cz, topic, out);
	if (!topic) {
		page_home(out);
	} else if (strcmp(p, "scope") == 0) {
		page_scopes(cz, out);
	} else if (strcmp(p, "mem") == 0) {
		sysinfo_memory(&l);
		strbuf_puts(out, "<p class=\"note\">Memory of the meshlua process that simulates "
		                 "istiod (Linux /proc and the C allocator).</p>\n");
		name_value_table(out, &l, "Measure", "Value", 1);
	} else if (strcmp(p, "env") == 0) {
		sysinfo_environment(&l);
		name_value_table(out, &l, "Name", "Value", 0);
	} else if (strcmp(p, "proc") == 0) {
		sysinfo_process(&l);
		name_value_table(out, &l, "Property", "Value", 0);
	} else if (strcmp(p, "args") == 0) {
		sysinfo_arguments(&l);
		name_value_table(out, &l, "Index", "Argument", 0);
	} else if (strcmp(p, "version") == 0) {
		strbuf_puts(out, "<table class=\"kv\">\n<tbody>\n<tr><td>Version</td><td "
		                 "class=\"mono\" id=\"istio-version\">");
		html_escape(out, cz->istio_version);
		strbuf_puts(out, "</td></tr>\n<tr><td>Git Revision</td><td class=\"mono\">meshlua"
		                 "</td></tr>\n<tr><td>Build Status</td><td>Clean</td></tr>\n"
		                 "<tr><td>Git Tag</td><td class=\"mono\">");
		html_escape(out, cz->istio_version);
		strbuf_puts(out,
		            "</td></tr>\n<tr><td>Simulated by</td><td class=\"mono\">meshlua ");
		html_escape(out, cz->meshlua_version);
		strbuf_puts(out, "</td></tr>\n</tbody>\n</table>\n");
	} else if (strcmp(p, "mesh") == 0) {
		page_mesh(cz, out);
	}
	layout_end(out);
	resp->status = 200;
	resp->content_type = "text/html; charset=UTF-8";
	sysinfo_free(&l);
}

void controlz_page_not_found(struct controlz *cz, const char *path, struct http_response *resp)
{
	struct strbuf *out = &resp->body;
	strbuf_reset(out);
	layout_start(cz, NULL, out);
	strbuf_puts(out, "<p id=\"not-found\">There is no page at <code>");
	html_escape(out, path);
	strbuf_puts(out, "</code>. Pick a topic on the left.</p>\n");
	layout_end(out);
	resp->status = 404;
	resp->content_type = "text/html; charset=UTF-8";
}
