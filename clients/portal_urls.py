app_name = "clients_portal"
urlpatterns: list = []
