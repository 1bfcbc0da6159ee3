app_name = "risk_portal"
urlpatterns: list = []
