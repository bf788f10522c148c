"""The TUI's services: Textual-free workers that post news (`news.py`) to the app.

- `pipeline.StatePipeline`: snapshots and their views, one at a time, in a thread.
- `proxy_link.ProxyLink`: the embedded proxy's lifecycle and its events.
- `health.HealthBook`: the probed health and what changed since the last redraw.
- `watch.FileWatcher` / `watch.ClusterWatcher`: files on disk, a live cluster.
"""
