"""Static files storage for production: hashed names for ES modules' imports too.

The web app is plain ES modules (no build step). With WhiteNoise's manifest storage
alone, `static/js/app.js` gets a hashed name but the modules it loads by relative
path do not, and nginx serves /static/ as immutable for a year: a deploy would mix
new and stale modules. Django can rewrite those relative imports to hashed names.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ModuleAwareStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
