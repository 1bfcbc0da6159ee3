app_name = "complaints_portal"
urlpatterns: list = []
