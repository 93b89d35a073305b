# The Now playing page and a station page's "now / next" block.
# Every key must also be in vi/now_playing.ftl.

now-title = Now playing
now-intro = What each station plays now, what comes next and why (campaign, rotation, slot). Times in each station's time zone.
now-area = Area
now-only-playing = Only stations playing now
now-apply = Filter
now-more-areas = … and { $n } more areas: type a name in the search box
now-none = No station matches.
now-col-station = Station
now-col-now = Now
now-col-next = Next
now-since-until = { $since }–{ $until } ({ $gmt })
now-today-at = today { $time }
now-tomorrow-at = tomorrow { $time }
now-idle-until = Idle; next item { $when }
now-idle-nothing = Nothing planned in the next 3 days.
now-updated = Updated at { $time }
now-updated-every = updated at { $time }, refreshed every { $n } seconds
now-next-title = Now and next

why-slot = Campaign { $campaign }, slot "{ $rule }"
why-rotation = Campaign { $campaign }, rotation { $rotation }
why-detail = rotation { $rotation } · crontab rule "{ $rule }"
why-detail-rotation = rotation { $rotation }

now-bad-query = The page address has parameters that cannot be read; open Now playing again from the menu.
now-bad-param = `{ $name }` is not a parameter of Now playing; use area, q, playing or page.
now-bad-twice = Parameter `{ $name }` is written twice; keep one.
now-bad-q = q: longer than { $max } characters; write less, such as part of a station or commune name.
now-bad-playing = playing: `{ $value }` is not valid; write playing=1 to see only stations playing now, or leave it out.
now-bad-page = page: `{ $value }` is not a page number; write a number from 1 to { $max }, e.g. page=2.
