# The console's error pages.
error-not-found = There is no page { $path }. Check the address, or choose an entry in the menu.
error-forbidden-title = Not allowed
error-not-found-title = Not found
error-bad-request-title = Invalid request
