from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Item


class ItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = Item
        fields = ["id", "name"]


class ItemsView(APIView):
    def get(self, request):
        items = ItemSerializer(Item.objects.order_by("id"), many=True).data
        return Response({"service": "backend", "path": request.path, "items": items})

    def post(self, request):
        serializer = ItemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(serializer.data, status=status.HTTP_201_CREATED)
