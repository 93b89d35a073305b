# The Overview page and the Stations page's state filter — English.
# Every key must also be in vi/dashboard.ftl.

dash-title = Overview
dash-path = Area shown
dash-refresh = Refresh
dash-as-of = Figures as of { $time }, station time; updated every { $n } seconds.
dash-total = Stations: { $n }
dash-problems = Stations with problems
dash-problems-hint = A station with several problems counts under each of them.
dash-activity = Stations at work
dash-completion = Completion today ({ $day })
dash-completion-hint = Items aired in full over items due since the start of the day.
dash-completion-none = No station in this area.
dash-col-area = Area
dash-col-aired = Aired in full
dash-col-due = Due
dash-col-pct = Rate
dash-pct = { $pct }%
dash-nothing-due = nothing due yet
dash-area-total = { $area } (whole area)
dash-more-areas = … and { $n } more areas; choose an area to see it alone.
dash-alerts = Open alerts ({ $n })
dash-alerts-none = No alert is open.
dash-alerts-more = … and { $n } more (older) alerts.
dash-col-station = Station
dash-col-kind = Alert
dash-col-since = Since
dash-col-detail = Detail
dash-since = { $ago } · { $at }
dash-emergency = Emergency bulletin under way: { $title }
dash-emergency-detail = Sent { $ago } ({ $at }) to { $area } by { $by }; { $acked }/{ $targeted } stations have it.

fleet-state-silent = silent
fleet-state-chain_break = airing chain broken
fleet-state-signature_failure = signature failure
fleet-state-media_not_ready = media not ready
fleet-state-clock_off = clock off by more than 1 s
fleet-state-playlist_behind = playlist behind
fleet-state-outbox_backlog = outbox backlog
fleet-state-playing = playing
fleet-state-idle_in_window = idle inside a window
fleet-state-idle_outside_windows = outside windows

alert-kind-silent = silent during a window
alert-kind-media_missing = media missing at air time
alert-kind-chain_break = airing chain broken
alert-kind-signature_failure = airing signature failure
alert-kind-clock_off = clock off

stations-state-label = State
stations-state-any = Any state
stations-state-unknown = state: `{ $value }` is not a known state; choose one of: { $known }.
col-state = State
