"""SageMaker beyond moto: the Studio calls (apps, spaces, user profiles, Studio lifecycle
configs, UpdateDomain), jobs that keep running (`jobs`), tags on all of them, and
`state.set_state` for what no AWS call can do. `urls.register()` serves moto's SageMaker
URL with `responses.StudioResponse`."""
