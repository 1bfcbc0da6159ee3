app_name = "audit_portal"
urlpatterns: list = []
